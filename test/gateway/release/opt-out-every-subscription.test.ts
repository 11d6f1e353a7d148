/**
 * An opt-out of a shopper a partner holds reaches every live subscription of that partner while the gate is
 * closed, not only the first one the signal is offered to (real policies, two real WebSocket clients).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import { addMember, consentChange, segmentChange } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { activationContract, activationDecisions, startActivationHarness } from '../support/activation.ts';

interface Signal {
  segmentId: string;
  pseudonym: string;
  action: string;
}

const SIGNALS = `subscription ($segments: [ID!]) {
  audienceSignals(segmentIds: $segments) { segmentId pseudonym action } }`;

describe('an opt-out behind a closed gate', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startActivationHarness(
      [activationContract('brand-two', ['seg-y', 'seg-ref'])],
      [
        ['seg-y', 300, 'y'],
        ['seg-ref', 300, 'ref'],
      ],
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  it('reaches both subscriptions of the partner that holds the shopper', async () => {
    const token = await harness.token('brand-two', 'BRAND');
    const target = harness.gateway.services.pseudonyms.pseudonymFor('brand-two', 'target');
    const clients = [wsClient(harness.url, token), wsClient(harness.url, token)];
    const streams = clients.map((client) =>
      collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-y', 'seg-ref'] }),
    );
    try {
      await waitFor(async () =>
        (await activationDecisions(harness, 'seg-y')).some((entry) => entry.effect === 'allow'),
      );
      await waitFor(() => harness.gateway.services.signals.subscriberCount() === 2);
      await addMember(harness, 'seg-y', 'target');
      for (const stream of streams) {
        await waitFor(() => stream.items.some((s) => s.pseudonym === target && s.action === 'ENTERED'));
      }
      // The segment shrinks far below the minimum and the gate closes.
      await harness.log.produce(
        TOPICS.segmentChanges,
        Array.from({ length: 295 }, (_, index) => {
          const change = segmentChange('seg-y', `y-${index}`, 'exited');
          return { key: change.subjectId, value: JSON.stringify(change) };
        }),
      );
      await waitFor(() => harness.gateway.services.readModels.shareableSegmentSize('seg-y') === 6);
      await waitFor(async () => (await activationDecisions(harness, 'seg-y')).at(-1)?.effect === 'deny', {
        timeout: 10_000,
      });
      await harness.produce(TOPICS.consent, 'target', consentChange('target', false));
      for (const stream of streams) {
        await waitFor(() => stream.items.some((s) => s.pseudonym === target && s.action === 'EXITED'), {
          timeout: 10_000,
          message: 'the opt-out on this subscription',
        });
      }
    } finally {
      for (const stream of streams) stream.stop();
      for (const client of clients) await client.dispose();
    }
    for (const stream of streams) {
      expect(stream.items.filter((s) => s.pseudonym === target).map((s) => s.action)).toEqual([
        'ENTERED',
        'EXITED',
      ]);
    }
  });
});
