/**
 * `createAuthAuditor`: every refused authentication becomes a decision-log entry, folded so that a flood cannot
 * drown the log. Per source (the client address, see client-source.ts) and reason, the first refusal is written
 * at once (count 1); refusals arriving within the next second wait for one entry written when that second ends,
 * carrying their count. So a source and reason produce at most one entry per second, and the counts of a burst
 * of N refusals sum to N. Past `maxTrackedSources` distinct sources and reasons at once, new sources fold into
 * one `source:others` entry per reason, so a distributed flood is bounded too.
 *
 * The entry: principal `anonymous` (a refused token's `sub` is not trustworthy), role null, action
 * `auth.authenticate`, resource the source's pseudonym, effect `deny`, code `UNAUTHENTICATED`, reasons
 * `[<reason>, "<count> refused"]` and `result.rows` = the count (what the decision log shows as `rows`).
 *
 * Fail closed: `refused` resolves once the entry holding this refusal is durable (true) or could not be written
 * (false); either way the caller answers UNAUTHENTICATED. Counts that could not be written are carried into the
 * source's next entry, retried every window.
 *
 * @example
 * // In a resolver path that needs a principal and got no credential at all:
 * await context.services.authAudit.refused(context.clientAddress, 'NO_TOKEN');
 * throw unauthenticated('authentication required', { reason: 'NO_TOKEN' });
 */
import { createHash } from 'node:crypto';
import type { AuditPort } from '../ports.ts';
import { createSourcePseudonyms, sourceOfAddress } from './client-source.ts';
import type { AuthRefusalReason } from './refusal-reasons.ts';

/** The audit action of an authentication decision. */
export const AUTH_AUDIT_ACTION = 'auth.authenticate';
/** The principal of a refused authentication: nobody the gateway could identify. */
export const ANONYMOUS_PRINCIPAL = 'anonymous';
/** The resource of refusals folded past `maxTrackedSources`. */
export const OTHER_SOURCES = 'source:others';

/** A clock and timers (injectable for tests). */
export interface AuthAuditScheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `callback` after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** Options of {@link createAuthAuditor}. */
export interface AuthAuditorOptions {
  audit: Pick<AuditPort, 'append'>;
  /** Key of the source pseudonyms (see `loadOrCreateSourceKey`). */
  sourceKey: Uint8Array;
  /** Folding window. Default 1000 ms. */
  windowMs?: number;
  /** Most sources x reasons folded separately at once; more fold into `source:others`. Default 64. */
  maxTrackedSources?: number;
  scheduler?: AuthAuditScheduler;
  /** Called when an entry could not be appended (log it, count it); the refusal stands. */
  onAppendError?: (error: unknown) => void;
}

/** The refused-authentication auditor, on the gateway's services as `authAudit`. */
export interface AuthAuditor {
  /**
   * Record one refused authentication from `clientAddress` (undefined: unknown) for `reason`. Resolves true once
   * the entry counting it is durable, false if it could not be written. Never rejects.
   */
  refused(clientAddress: string | undefined, reason: AuthRefusalReason): Promise<boolean>;
  /** Write every folded count now. */
  flush(): Promise<void>;
  /** Flush and stop the timers. */
  close(): Promise<void>;
}

interface Pending {
  count: number;
  since: number;
  settle: (written: boolean) => void;
  written: Promise<boolean>;
}

interface Slot {
  key: string;
  resource: string;
  reason: AuthRefusalReason;
  lastWriteAt: number;
  pending: Pending | null;
  /** Refusals whose entry could not be written, carried into the next one. */
  carried: number;
  cancelTimer: (() => void) | null;
}

const systemScheduler: AuthAuditScheduler = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

function newPending(since: number): Pending {
  let settle: (written: boolean) => void = () => {};
  const written = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { count: 0, since, settle, written };
}

/**
 * Create the auditor.
 *
 * @example
 * const authAudit = createAuthAuditor({ audit, sourceKey: loadOrCreateSourceKey(dataDir) });
 * await authAudit.refused(request.socket.remoteAddress, 'TOKEN_EXPIRED');
 */
export function createAuthAuditor(options: AuthAuditorOptions): AuthAuditor {
  const windowMs = options.windowMs ?? 1_000;
  const maxTracked = options.maxTrackedSources ?? 64;
  const scheduler = options.scheduler ?? systemScheduler;
  const pseudonym = createSourcePseudonyms(options.sourceKey);
  const slots = new Map<string, Slot>();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function write(slot: Slot, count: number, since: number): Promise<boolean> {
    const at = scheduler.now();
    const summary = {
      source: slot.resource,
      reason: slot.reason,
      count,
      since: new Date(since).toISOString(),
      until: new Date(at).toISOString(),
    };
    try {
      await options.audit.append({
        at: new Date(at).toISOString(),
        principal: ANONYMOUS_PRINCIPAL,
        role: null,
        action: AUTH_AUDIT_ACTION,
        resource: slot.resource,
        inputDigest: createHash('sha256').update(JSON.stringify(summary)).digest('hex'),
        effect: 'deny',
        code: 'UNAUTHENTICATED',
        obligations: null,
        reasons: [slot.reason, `${count} refused`],
        contractVersion: null,
        result: { rows: count },
      });
      return true;
    } catch (error) {
      slot.carried += count;
      options.onAppendError?.(error);
      return false;
    }
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  }

  function arm(slot: Slot, at: number, callback: () => void): void {
    slot.cancelTimer?.();
    if (closed) {
      slot.cancelTimer = null;
      return;
    }
    // Timers may fire a millisecond early by the wall clock; a window is never shorter than `windowMs`.
    const fire = (): void => {
      const left = at - scheduler.now();
      if (left > 0) slot.cancelTimer = scheduler.setTimer(left, fire);
      else callback();
    };
    slot.cancelTimer = scheduler.setTimer(Math.max(0, at - scheduler.now()), fire);
  }

  /** After an entry: forget the slot once a window passes quietly, or retry what could not be written. */
  function idle(slot: Slot): void {
    arm(slot, slot.lastWriteAt + windowMs, () => {
      slot.cancelTimer = null;
      if (slot.pending !== null) return;
      if (slot.carried > 0) {
        slot.pending = newPending(scheduler.now());
        void flushSlot(slot);
        return;
      }
      slots.delete(slot.key);
    });
  }

  async function flushSlot(slot: Slot): Promise<void> {
    const pending = slot.pending;
    if (pending === null) return;
    slot.pending = null;
    slot.cancelTimer?.();
    slot.cancelTimer = null;
    slot.lastWriteAt = scheduler.now();
    const count = pending.count + slot.carried;
    slot.carried = 0;
    const written = count === 0 ? true : await track(write(slot, count, pending.since));
    pending.settle(written);
    // Refusals that arrived while this entry was written wait on their own timer already.
    if (slot.pending === null) idle(slot);
  }

  function slotFor(clientAddress: string | undefined, reason: AuthRefusalReason): Slot {
    const source = sourceOfAddress(clientAddress);
    let key = `${source}\u0000${reason}`;
    let slot = slots.get(key);
    if (slot !== undefined) return slot;
    let resource: string | null = null;
    if (slots.size >= maxTracked) {
      key = `\u0000others\u0000${reason}`;
      slot = slots.get(key);
      if (slot !== undefined) return slot;
      resource = OTHER_SOURCES;
    }
    slot = {
      key,
      resource: resource ?? pseudonym(source),
      reason,
      // A new slot writes its first refusal at once.
      lastWriteAt: Number.NEGATIVE_INFINITY,
      pending: null,
      carried: 0,
      cancelTimer: null,
    };
    slots.set(key, slot);
    return slot;
  }

  return {
    async refused(clientAddress, reason) {
      const slot = slotFor(clientAddress, reason);
      const now = scheduler.now();
      if (closed || (slot.pending === null && slot.carried === 0 && now - slot.lastWriteAt >= windowMs)) {
        // Leading edge: nothing written for this source and reason within the window.
        slot.cancelTimer?.();
        slot.cancelTimer = null;
        slot.lastWriteAt = now;
        const written = await track(write(slot, 1, now));
        if (slot.pending === null) idle(slot);
        return written;
      }
      if (slot.pending === null) {
        slot.pending = newPending(now);
        arm(slot, slot.lastWriteAt + windowMs, () => {
          slot.cancelTimer = null;
          void flushSlot(slot);
        });
      }
      slot.pending.count += 1;
      return slot.pending.written;
    },
    async flush() {
      await Promise.all([...slots.values()].map((slot) => flushSlot(slot)));
      await Promise.all([...inFlight]);
    },
    async close() {
      closed = true;
      await this.flush();
      for (const slot of slots.values()) slot.cancelTimer?.();
      slots.clear();
    },
  };
}
