/**
 * Red team — a withdrawn contract does not reach live audience-signal streams.
 *
 * Leak (severity MEDIUM): `audienceSignals` is decided once, when it starts. The activation gate then re-decides
 * every interval with the contract captured at subscribe time and never asks the policy again, so when the host
 * withdraws the brand's activation purpose and pseudonymous signals (a new contract version), the stream that was
 * already open keeps pushing shopper pseudonyms — charged to the old version's budget — for as long as the brand
 * keeps the socket open. A new subscribe is refused; the old one is not. (`campaignMetrics` re-decides at every
 * push and ends; `audienceSignals` and `triggerFired` do not.)
 *
 * Secure behaviour asserted: after the contract change, no further signal reaches the brand (the stream ends
 * with FORBIDDEN, or stays silent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PartnerContractInput } from '../../policies/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../gateway/support/clients.ts';
import { addMember } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';
import { startActivationHarness } from '../gateway/support/activation.ts';

const contract: PartnerContractInput = {
  partnerId: 'brand-revoked',
  kind: 'BRAND',
  purposes: ['measurement', 'activation'],
  visibility: { segments: ['seg-r'] },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 100, window: 'month' } },
  pseudonymousSignals: true,
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
};

/** The same brand after the host withdrew activation: measurement only, no pseudonymous signals. */
const withdrawn: PartnerContractInput = {
  ...contract,
  purposes: ['measurement'],
  pseudonymousSignals: false,
};

interface Signal {
  segmentId: string;
  pseudonym: string;
  action: string;
}

const SIGNALS = `subscription { audienceSignals(segmentIds: ["seg-r"]) { segmentId pseudonym action } }`;

describe('red team: live signals outlive the contract that allowed them', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startActivationHarness([contract], [['seg-r', 300, 'r']], { epsilonPerDecision: 0.5 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('keeps pushing pseudonyms after the host withdrew activation', async () => {
    const brand = await harness.token('brand-revoked', 'BRAND');
    const client = wsClient(harness.url, brand);
    const running = collect<Signal>(client, SIGNALS, 'audienceSignals');
    try {
      await waitFor(async () =>
        (await harness.auditEntries()).some(
          (entry) => entry.action === 'signals.activation' && entry.effect === 'allow',
        ),
      );
      await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
      await addMember(harness, 'seg-r', 'before-withdrawal');
      await waitFor(() => running.items.length === 1);

      // The host withdraws activation from the brand (a new contract version).
      const admin = await harness.token('ops-1', 'HOST_ADMIN');
      const upsert = await harness.gql(
        'mutation ($document: String!) { upsertContract(input: { document: $document }) { partnerId } }',
        { document: stringify(withdrawn) },
        admin,
      );
      expect(upsert.errors).toBeUndefined();
      // A new subscription is refused now...
      const fresh = wsClient(harness.url, brand);
      const refused = collect<Signal>(fresh, SIGNALS, 'audienceSignals');
      await waitFor(() => refused.errors.length > 0 || refused.completed);
      expect(errorCodes(refused.errors)).toContain('FORBIDDEN');
      refused.stop();
      await fresh.dispose();

      // ...but the stream opened before the withdrawal still delivers new members.
      await addMember(harness, 'seg-r', 'after-withdrawal-1');
      await addMember(harness, 'seg-r', 'after-withdrawal-2');
      const since = Date.now();
      await waitFor(
        () => running.items.length >= 3 || running.errors.length > 0 || Date.now() - since > 3_000,
        {
          timeout: 5_000,
        },
      );
    } finally {
      running.stop();
      await client.dispose();
    }
    const afterWithdrawal = running.items.slice(1);
    console.log(`after the withdrawal: ${afterWithdrawal.length} pseudonymous signals delivered`);
    expect(afterWithdrawal).toEqual([]);
  });
});
