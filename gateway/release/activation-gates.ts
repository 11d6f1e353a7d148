/**
 * Activation gates: audience signals of a segment flow to a partner only while the segment is at or above the
 * contract's activation minimum, so that counting signals can never reveal the exact size of a small segment.
 *
 * The gate of each (partner, segment) is decided on a NOISED size (discrete Laplace, epsilon
 * `activation.epsilonPerDecision` charged to the partner), with hysteresis — it opens at minimum + h and closes
 * below minimum - h, so noise around the minimum does not make it flap — and at most once per
 * `activation.decisionIntervalSeconds` while the partner has a live subscription to the segment. Every decision
 * is audited before it takes effect. A decision holds from the signal hub's position when it was made: a signal
 * reaches the partner only if the gate was open when the hub derived it, so resuming from an old cursor cannot
 * replay what happened while the gate was closed. After a restart, the earlier decisions keep their state and
 * their interval, but signals derived before the first decision of the new process count as closed.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.ts';
import type { GatewayServices } from '../context.ts';
import type { ContractView, Decision, Principal } from '../ports.ts';
import { chargeBudget } from './release-step.ts';
import type { ReleaseStore } from './release-store.ts';

/** One decision in force from a hub position on. */
interface GateState {
  decidedAt: number;
  open: boolean;
  fromSequence: number;
}

/** The activation gates of a gateway. */
export interface ActivationGates {
  /**
   * Make the decision of a partner's gate for `segmentId` if none was made in the current interval (charged,
   * audited); returns whether the gate is open now.
   */
  decide(
    services: GatewayServices,
    scope: { principal: Principal; decision: Decision; contract: ContractView },
    segmentId: string,
  ): Promise<boolean>;
  /** Whether a signal the hub derived at `sequence` may reach the partner. */
  isOpenAt(partnerId: string, segmentId: string, sequence: number): boolean;
}

/** Create the gates over the release store. */
export function createActivationGates(store: ReleaseStore): ActivationGates {
  const gates = new Map<string, GateState[]>();
  const pending = new Map<string, Promise<boolean>>();
  const keyOf = (partnerId: string, segmentId: string) => `${partnerId}\u0000${segmentId}`;

  const historyOf = (partnerId: string, segmentId: string, sequenceNow: number): GateState[] => {
    const key = keyOf(partnerId, segmentId);
    let history = gates.get(key);
    if (history === undefined) {
      const stored = store.activationHistory(partnerId, segmentId).at(-1);
      // A decision of an earlier process: its state and time hold, but hub positions started afresh, so it
      // covers only what the hub derives from now on.
      history =
        stored === undefined
          ? []
          : [{ decidedAt: Date.parse(stored.decidedAt), open: stored.open, fromSequence: sequenceNow + 1 }];
      gates.set(key, history);
    }
    return history;
  };

  const decideNow = async (
    services: GatewayServices,
    scope: { principal: Principal; decision: Decision; contract: ContractView },
    segmentId: string,
  ): Promise<boolean> => {
    const { principal, contract } = scope;
    const sequenceNow = services.signals.sequence();
    const history = historyOf(principal.id, segmentId, sequenceNow);
    const last = history.at(-1);
    const now = services.now();
    const intervalMs = services.privacy.activation.decisionIntervalSeconds * 1_000;
    if (last !== undefined && now.getTime() - last.decidedAt < intervalMs) return last.open;
    const { epsilonPerDecision, hysteresis } = services.privacy.activation;
    const minimum = contract.activationMinimum;
    const wasOpen = last?.open ?? false;
    let open = false;
    let reason: string;
    let code: string | null = null;
    let epsilonSpent = 0;
    try {
      await chargeBudget({ services, ...scope }, epsilonPerDecision);
      epsilonSpent = epsilonPerDecision;
      const noised = services.noise.noisyCount(
        services.readModels.shareableSegmentSize(segmentId),
        epsilonPerDecision,
        1,
      );
      open = wasOpen ? noised >= minimum - hysteresis : noised >= minimum + hysteresis;
      reason = open
        ? `activation gate open: noised size ${noised} against minimum ${minimum} (hysteresis ${hysteresis})`
        : `activation gate closed: noised size ${noised} against minimum ${minimum} (hysteresis ${hysteresis})`;
      if (!open) code = 'BELOW_THRESHOLD';
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'BUDGET_EXHAUSTED') throw error;
      // Nothing was read: a gate that cannot be paid for closes, whatever the data.
      reason = 'activation gate closed: the budget cannot pay for a decision';
      code = 'BUDGET_EXHAUSTED';
    }
    // Audited before it takes effect; if the log is down the gate stays as it was (closed when new).
    await services.audit.append({
      at: now.toISOString(),
      principal: principal.id,
      role: principal.role,
      action: 'signals.activation',
      resource: `segment:${segmentId}`,
      inputDigest: createHash('sha256').update(JSON.stringify({ segmentId })).digest('hex'),
      effect: open ? 'allow' : 'deny',
      code,
      obligations: scope.decision.obligations,
      reasons: [reason],
      contractVersion: contract.version,
      result: { epsilonSpent },
    });
    // It holds for every signal the hub derives from now on (hub sequences are 1-based).
    const state = { decidedAt: now.getTime(), open, fromSequence: services.signals.sequence() + 1 };
    history.push(state);
    // Only the transitions matter for `isOpenAt`; keep the list short.
    if (history.length > 64) history.splice(0, history.length - 64);
    store.recordActivation({
      partnerId: principal.id,
      segmentId,
      decidedAt: now.toISOString(),
      open,
      fromSequence: state.fromSequence,
    });
    return open;
  };

  return {
    decide(services, scope, segmentId) {
      // Concurrent subscriptions of one partner share one decision (and one charge).
      const key = keyOf(scope.principal.id, segmentId);
      const running = pending.get(key);
      if (running !== undefined) return running;
      const next = decideNow(services, scope, segmentId).finally(() => pending.delete(key));
      pending.set(key, next);
      return next;
    },
    isOpenAt(partnerId, segmentId, sequence) {
      const history = gates.get(keyOf(partnerId, segmentId));
      if (history === undefined) return false;
      let open = false;
      for (const state of history) {
        if (state.fromSequence > sequence) break;
        open = state.open;
      }
      return open;
    },
  };
}
