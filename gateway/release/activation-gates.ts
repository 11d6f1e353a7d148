/**
 * Activation gates: audience signals of a segment flow to a partner only while the segment is at or above the
 * contract's activation minimum, so that counting signals can never reveal the exact size of a small segment.
 *
 * The gate of each (partner, segment) is decided on a NOISED size (discrete Laplace, epsilon
 * `activation.epsilonPerDecision` charged to the partner), with hysteresis — it opens at minimum + h and closes
 * below minimum - h, so noise around the minimum does not make it flap — and at most once per
 * `activation.decisionIntervalSeconds` while the partner has a live subscription to the segment. Every decision
 * is audited before it takes effect.
 *
 * Which signals a decision covers, so that no cursor can replay what a closed gate held back:
 * - a decision holds for the signals the hub derives after it (hub sequences), and only until it expires (1.5
 *   intervals after it was made: a live subscription decides again every quarter interval, so an open gate
 *   never lapses while someone listens). A partner that comes back with a cursor within that time resumes
 *   exactly; signals derived after the last decision expired count as closed, so a cursor cannot replay a
 *   segment that shrank while nobody was deciding (such a resumption has a gap);
 * - decisions are not carried over a restart (the hub's sequences start afresh): a restarted gateway decides
 *   anew once its read models have caught up with the log, so a signal rebuilt from an old record never passes.
 * An opt-out or erasure of a shopper the partner was shown is delivered whatever the gate's state: the partner
 * must stop using that pseudonym, and learns nothing it did not hold. Who a partner holds is kept in the release
 * store, so this holds across a restart as well.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.ts';
import type { ReleaseDeps } from './release-deps.ts';
import type { ContractView, Decision, Principal } from '../ports.ts';
import type { DerivedSignal } from '../subscriptions/signal-hub.ts';
import { chargeBudget } from './release-step.ts';
import type { ReleaseStore } from './release-store.ts';

/** A gate state in force for the signals derived from `fromSequence` on, until `validUntil` (ms). */
interface GateState {
  open: boolean;
  fromSequence: number;
  validUntil: number;
  /** When the decision behind it was made (a lapse or a reinstatement keeps its decision's time). */
  decidedAt: number;
}

/** Who a gate decision is for. */
export interface GateScope {
  principal: Principal;
  decision: Decision;
  contract: ContractView;
}

/** The activation gates of a gateway. */
export interface ActivationGates {
  /**
   * Make the decision of a partner's gate for `segmentId` if none was made in the current interval (charged,
   * audited); returns whether the gate is open now. Waits for the read models to catch up first.
   */
  decide(services: ReleaseDeps, scope: GateScope, segmentId: string): Promise<boolean>;
  /** A subscription of the partner to the segment starts (counted: the gates a partner listens to). */
  attach(services: ReleaseDeps, partnerId: string, segmentId: string): void;
  /** A subscription ends. */
  detach(services: ReleaseDeps, partnerId: string, segmentId: string): void;
  /**
   * Whether `signal` may reach the partner: its gate was open and in force when the hub derived it, or it is an
   * opt-out of a shopper the partner was shown. Records what the partner is shown.
   */
  admits(partnerId: string, signal: DerivedSignal): boolean;
}

/** Create the gates over the release store (where every decision is also recorded). */
export function createActivationGates(store: ReleaseStore): ActivationGates {
  const gates = new Map<string, GateState[]>();
  const listeners = new Map<string, number>();
  // Who each partner holds, per segment: kept in the store too, so a restart still delivers their opt-outs.
  const shown = new Map<string, Set<string>>();
  // The opt-out signal (hub sequence) each held shopper's exit was delivered with, per partner and segment.
  const optedOut = new Map<string, Map<string, number>>();
  const pending = new Map<string, Promise<boolean>>();
  const keyOf = (partnerId: string, segmentId: string) => `${partnerId}\u0000${segmentId}`;
  for (const { partnerId, segmentId, subjectId } of store.shownSubjects()) {
    const key = keyOf(partnerId, segmentId);
    const held = shown.get(key) ?? new Set<string>();
    held.add(subjectId);
    shown.set(key, held);
  }
  const historyOf = (key: string): GateState[] => {
    let history = gates.get(key);
    if (history === undefined) {
      history = [];
      gates.set(key, history);
    }
    return history;
  };
  const push = (history: GateState[], state: GateState): void => {
    history.push(state);
    // Old states only decide signals no one can replay any more; keep the list short.
    if (history.length > 256) history.splice(0, history.length - 256);
  };
  const lastDecision = (history: GateState[]): GateState | undefined => history.at(-1);

  const decideNow = async (services: ReleaseDeps, scope: GateScope, segmentId: string): Promise<boolean> => {
    const { principal, contract } = scope;
    // Decide on the log as it is now: after a restart's rebuild, and with what was produced up to this moment
    // (a decision on a size the models had not read yet would hold for a whole interval).
    await services.readModelsCaughtUp();
    const key = keyOf(principal.id, segmentId);
    const history = historyOf(key);
    const last = lastDecision(history);
    const now = services.now();
    const intervalMs = services.privacy.activation.decisionIntervalSeconds * 1_000;
    if (last !== undefined && now.getTime() - last.decidedAt < intervalMs) {
      return last.open && now.getTime() < last.validUntil;
    }
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
      reason = `activation gate ${open ? 'open' : 'closed'}: noised size ${noised} against minimum ${minimum} (hysteresis ${hysteresis})`;
      if (!open) code = 'BELOW_THRESHOLD';
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'BUDGET_EXHAUSTED') throw error;
      // Nothing was read: a gate that cannot be paid for closes, whatever the data.
      reason = 'activation gate closed: the budget cannot pay for a decision';
      code = 'BUDGET_EXHAUSTED';
    }
    // Audited before it takes effect; if the log is down the gate stays as it was.
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
    const decidedAt = now.getTime();
    push(history, {
      open,
      fromSequence: services.signals.sequence() + 1,
      validUntil: decidedAt + intervalMs * 1.5,
      decidedAt,
    });
    store.recordActivation({
      partnerId: principal.id,
      segmentId,
      decidedAt: now.toISOString(),
      open,
      fromSequence: services.signals.sequence() + 1,
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
    attach(_services, partnerId, segmentId) {
      const key = keyOf(partnerId, segmentId);
      listeners.set(key, (listeners.get(key) ?? 0) + 1);
    },
    detach(_services, partnerId, segmentId) {
      const key = keyOf(partnerId, segmentId);
      const count = (listeners.get(key) ?? 1) - 1;
      if (count > 0) listeners.set(key, count);
      else listeners.delete(key);
    },
    admits(partnerId, signal) {
      const key = keyOf(partnerId, signal.segmentId);
      const held = shown.get(key);
      if (signal.action === 'EXITED' && signal.cause === 'consent') {
        // Every subscription of the partner (and a replay of this very signal) is given it, not only the first.
        const told = optedOut.get(key);
        if (told?.get(signal.subjectId) === signal.sequence) return true;
        if (held?.has(signal.subjectId) === true) {
          held.delete(signal.subjectId);
          store.setShown(partnerId, signal.segmentId, signal.subjectId, false);
          optedOut.set(key, (told ?? new Map<string, number>()).set(signal.subjectId, signal.sequence));
          return true;
        }
      }
      const history = gates.get(key);
      if (history === undefined) return false;
      let state: GateState | undefined;
      for (const candidate of history) {
        if (candidate.fromSequence > signal.sequence) break;
        state = candidate;
      }
      const open = state !== undefined && state.open && signal.derivedAt < state.validUntil;
      if (!open) return false;
      const own = held ?? new Set<string>();
      // Written through only when it changes: every subscription of the partner passes here with each signal.
      const change = signal.action === 'ENTERED' ? !own.has(signal.subjectId) : own.has(signal.subjectId);
      if (change) {
        if (signal.action === 'ENTERED') {
          own.add(signal.subjectId);
          optedOut.get(key)?.delete(signal.subjectId);
        } else own.delete(signal.subjectId);
        store.setShown(partnerId, signal.segmentId, signal.subjectId, signal.action === 'ENTERED');
      }
      shown.set(key, own);
      return true;
    },
  };
}
