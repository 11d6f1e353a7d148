/**
 * What the activation-gate tests share (test/gateway/release/activation-gates.test.ts and the red-team files on
 * the gate): a brand contract that activates with pseudonymous signals above a raised activation minimum, a
 * gateway with real policies whose gate decides every second with a hysteresis of 5, the gate's audited
 * decisions, and the `audienceSignals` subscription with cursors.
 */
import type { PartnerContractInput } from '../../../policies/index.ts';
import type { AuditEntry } from '../../../gateway/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { fillSegment, startHarness, testPrivacy } from './harness.ts';
import type { Harness } from './harness.ts';

/** A brand activating `segments` with pseudonymous signals; the host minimum is 100, this contract raises it to 120. */
export function activationContract(partnerId: string, segments: string[]): PartnerContractInput {
  return {
    partnerId,
    kind: 'BRAND',
    purposes: ['activation'],
    visibility: { segments },
    kThreshold: 50,
    dp: { epsilonPerQuery: 0.5, budget: { epsilon: 100, window: 'month' } },
    pseudonymousSignals: true,
    privacy: { activationMinimum: 120 },
    rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
  };
}

/** A segment to fill before the tests: its id, how many members and the prefix of their subject ids. */
export type FilledSegment = [segmentId: string, members: number, subjectPrefix: string];

/**
 * A gateway with real policies over `contracts` whose activation gate decides every second (hysteresis 5, epsilon
 * 1 per decision unless `activation` says otherwise), with every segment filled and its shareable size read back.
 */
export async function startActivationHarness(
  contracts: PartnerContractInput[],
  segments: FilledSegment[],
  activation: { decisionIntervalSeconds?: number; epsilonPerDecision?: number } = {},
): Promise<Harness> {
  const harness = await startHarness({
    mode: 'policies',
    real: { contractInputs: contracts },
    overrides: {
      privacy: testPrivacy({
        activation: { hysteresis: 5, decisionIntervalSeconds: 1, epsilonPerDecision: 1, ...activation },
      }),
    },
  });
  for (const [segmentId, members, prefix] of segments) await fillSegment(harness, segmentId, members, prefix);
  const models = harness.gateway.services.readModels;
  for (const [segmentId, members] of segments)
    await waitFor(() => models.shareableSegmentSize(segmentId) === members);
  return harness;
}

/** The gate's audited decisions on one segment. */
export async function activationDecisions(harness: Harness, segmentId: string): Promise<AuditEntry[]> {
  return (await harness.auditEntries()).filter(
    (entry) => entry.action === 'signals.activation' && entry.resource === `segment:${segmentId}`,
  );
}

/** An audience signal as {@link SIGNALS_AFTER} selects it. */
export interface CursorSignal {
  segmentId: string;
  pseudonym: string;
  action: string;
  cursor: string;
}

/** `audienceSignals` of some segments, optionally after a cursor, with pseudonyms and cursors. */
export const SIGNALS_AFTER = `subscription ($segments: [ID!], $after: String) {
  audienceSignals(segmentIds: $segments, after: $after) { segmentId pseudonym action cursor } }`;
