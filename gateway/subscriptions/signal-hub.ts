/**
 * The audience-signal hub. It turns `cleanroom.segment-changes` and `cleanroom.consent` records, in log
 * order, into partner-visible membership signals, keeps a bounded ring of recent ones for resumption, and
 * fans them out to subscribers. A shopper is visible only while a member with partner-sharing consent; an
 * opt-out (or erasure) turns every visible membership into an EXITED signal at once.
 *
 * Exactly-once resumption: every signal has a position (topic, partition, offset, index within the record).
 * A subscriber's cursor is the position after the last signal it received across all partitions, so replaying
 * the ring from a cursor skips everything before it and delivers everything after it once.
 */
import { isBefore, positionKey } from './cursor.ts';
import type { SignalPosition } from './cursor.ts';

/** A derived membership signal (holds a subject id: it never leaves the gateway as such). */
export interface DerivedSignal {
  segmentId: string;
  subjectId: string;
  action: 'ENTERED' | 'EXITED';
  at: string;
  /** Which record of this process's hub derived it (1-based, in ingest order): activation gates hold from one. */
  sequence: number;
  /** When the hub derived it (ms, the gateway's clock): an expired gate decision covers nothing after. */
  derivedAt: number;
  /** `consent`: an opt-out or erasure (delivered to a partner that was shown the shopper, gate or not). */
  cause: 'membership' | 'consent';
}

/** A hub input: one record of a source topic, already validated. */
export type HubRecord =
  | {
      kind: 'segment-change';
      topic: string;
      partition: number;
      offset: number;
      segmentId: string;
      subjectId: string;
      action: 'entered' | 'exited';
      at: string;
      partnerSharing: boolean;
    }
  | {
      kind: 'consent';
      topic: string;
      partition: number;
      offset: number;
      subjectId: string;
      partnerSharing: boolean;
      at: string;
    };

/** A signal delivered to one subscriber, with the cursor that resumes after it. */
export interface PositionedSignal {
  signal: DerivedSignal;
  position: SignalPosition;
}

/** A subscriber's filter and sink. */
export interface SignalSubscriber {
  accepts(signal: DerivedSignal): boolean;
  /** Deliver; false when the subscriber is gone (it is then removed). */
  deliver(item: PositionedSignal): boolean;
  /**
   * Whether the subscriber can take more right now. Catch-up from a cursor replays retained signals only while
   * this holds, then waits for `resume()`; live signals are always offered (the subscriber's own buffer bounds
   * them). Absent: always.
   */
  hasCapacity?(): boolean;
  /** Told when the subscription cannot continue (its cursor fell out of the retained history during catch-up). */
  fail?(error: Error): void;
}

/** Why a subscription could not start or continue. */
export class CursorExpiredError extends Error {
  constructor() {
    super('cursor is older than the retained signal history');
    this.name = 'CursorExpiredError';
  }
}

/** A subscriber's handle. */
export interface SignalSubscription {
  /** Continue a paced catch-up (call when the subscriber has drained some of its buffer). */
  resume(): void;
  detach(): void;
}

/** The hub. */
export interface SignalHub {
  /** Feed the next record of a source topic (in per-partition order). */
  ingest(record: HubRecord): void;
  /**
   * Attach a subscriber from `from` (a decoded cursor) or from now. Retained signals after the cursor are
   * replayed at the subscriber's pace (see `hasCapacity`), then live ones stream.
   *
   * @throws CursorExpiredError when the cursor is older than the retained history.
   */
  subscribe(subscriber: SignalSubscriber, from: SignalPosition | null): SignalSubscription;
  /** The position after everything ingested so far. */
  position(): SignalPosition;
  /** How many records this hub has ingested (the `sequence` of the latest derived signal, at most). */
  sequence(): number;
  /** Live (caught-up) subscribers. */
  subscriberCount(): number;
}

interface RingEntry {
  key: string;
  offset: number;
  signals: DerivedSignal[];
}

interface Attached {
  position: SignalPosition;
  subscriber: SignalSubscriber;
  /** Absolute ring sequence of the next entry to replay, or null once live. */
  replayFrom: number | null;
  detached: boolean;
}

/** Options of the hub. */
export interface SignalHubOptions {
  /** Segment memberships of a subject (to re-announce memberships when sharing consent is granted again). */
  segmentsOf: (subjectId: string) => string[];
  /** Most records with signals kept for resumption. */
  retainedRecords?: number;
  /** The clock signals are stamped with (default `Date.now`). */
  now?: () => number;
}

/** Create a hub. */
export function createSignalHub(options: SignalHubOptions): SignalHub {
  const retained = options.retainedRecords ?? 100_000;
  // The ring holds entries [ringStart, ring.length); ring[i] has the absolute sequence ringBase + i.
  const ring: RingEntry[] = [];
  let ringStart = 0;
  let ringBase = 0;
  const evictedThrough = new Map<string, number>();
  const hubPosition: SignalPosition = {};
  const visible = new Map<string, Set<string>>();
  const sharingRevoked = new Set<string>();
  const live = new Set<Attached>();
  let ingested = 0;

  const show = (subjectId: string, segmentId: string): boolean => {
    const own = visible.get(subjectId) ?? new Set<string>();
    if (own.has(segmentId)) return false;
    own.add(segmentId);
    visible.set(subjectId, own);
    return true;
  };
  const hide = (subjectId: string, segmentId: string): boolean => {
    const own = visible.get(subjectId);
    if (own === undefined || !own.delete(segmentId)) return false;
    if (own.size === 0) visible.delete(subjectId);
    return true;
  };

  const derive = (record: HubRecord): DerivedSignal[] => {
    const { subjectId, at } = record;
    const sequence = ingested;
    const derivedAt = (options.now ?? Date.now)();
    const stamp = { sequence, derivedAt };
    if (record.kind === 'segment-change') {
      const shareable = record.partnerSharing && !sharingRevoked.has(subjectId);
      if (record.action === 'entered' && shareable) {
        return show(subjectId, record.segmentId)
          ? [{ segmentId: record.segmentId, subjectId, action: 'ENTERED', at, ...stamp, cause: 'membership' }]
          : [];
      }
      return hide(subjectId, record.segmentId)
        ? [{ segmentId: record.segmentId, subjectId, action: 'EXITED', at, ...stamp, cause: 'membership' }]
        : [];
    }
    if (!record.partnerSharing) {
      sharingRevoked.add(subjectId);
      const held = [...(visible.get(subjectId) ?? [])].sort();
      visible.delete(subjectId);
      return held.map((segmentId) => ({
        segmentId,
        subjectId,
        action: 'EXITED' as const,
        at,
        ...stamp,
        cause: 'consent' as const,
      }));
    }
    sharingRevoked.delete(subjectId);
    return options
      .segmentsOf(subjectId)
      .sort()
      .filter((segmentId) => show(subjectId, segmentId))
      .map((segmentId) => ({
        segmentId,
        subjectId,
        action: 'ENTERED' as const,
        at,
        ...stamp,
        cause: 'consent' as const,
      }));
  };

  const offer = (entry: Attached, key: string, offset: number, signals: DerivedSignal[]): boolean => {
    for (let index = 0; index < signals.length; index += 1) {
      if (isBefore(entry.position, key, offset, index)) continue;
      entry.position[key] = [offset, index + 1];
      const signal = signals[index] as DerivedSignal;
      if (!entry.subscriber.accepts(signal)) continue;
      if (!entry.subscriber.deliver({ signal, position: { ...entry.position } })) return false;
    }
    if (!isBefore(entry.position, key, offset + 1, 0)) entry.position[key] = [offset + 1, 0];
    return true;
  };

  const goLive = (entry: Attached): void => {
    // Partitions without retained signals: move the position up to the hub's.
    for (const [key, next] of Object.entries(hubPosition)) {
      if (!isBefore(entry.position, key, next[0], 0)) entry.position[key] = [next[0], 0];
    }
    entry.replayFrom = null;
    live.add(entry);
  };

  const catchUp = (entry: Attached): void => {
    while (!entry.detached && entry.replayFrom !== null) {
      if (entry.replayFrom < ringBase + ringStart) {
        // The history moved on while the subscriber was paused.
        entry.detached = true;
        entry.subscriber.fail?.(new CursorExpiredError());
        return;
      }
      const index = entry.replayFrom - ringBase;
      if (index >= ring.length) {
        goLive(entry);
        return;
      }
      if (entry.subscriber.hasCapacity?.() === false) return;
      const ringEntry = ring[index] as RingEntry;
      entry.replayFrom += 1;
      if (!offer(entry, ringEntry.key, ringEntry.offset, ringEntry.signals)) {
        entry.detached = true;
        return;
      }
    }
  };

  return {
    ingest(record) {
      const key = positionKey(record.topic, record.partition);
      const current = hubPosition[key];
      if (current !== undefined && record.offset < current[0]) return; // a redelivery: already ingested
      hubPosition[key] = [record.offset + 1, 0];
      ingested += 1;
      const signals = derive(record);
      if (signals.length > 0) {
        ring.push({ key, offset: record.offset, signals });
        if (ring.length - ringStart > retained) {
          const evicted = ring[ringStart] as RingEntry;
          evictedThrough.set(evicted.key, evicted.offset);
          ringStart += 1;
          if (ringStart > 4_096 && ringStart * 2 > ring.length) {
            ring.splice(0, ringStart);
            ringBase += ringStart;
            ringStart = 0;
          }
        }
      }
      for (const entry of [...live]) {
        if (entry.detached || !offer(entry, key, record.offset, signals)) {
          entry.detached = true;
          live.delete(entry);
        }
      }
    },
    subscribe(subscriber, from) {
      let position: SignalPosition;
      if (from === null) {
        position = structuredClone(hubPosition);
      } else {
        for (const [key, through] of evictedThrough) {
          const next = from[key];
          if (next === undefined || next[0] <= through) throw new CursorExpiredError();
        }
        position = structuredClone(from);
      }
      const entry: Attached = {
        position,
        subscriber,
        replayFrom: from === null ? null : ringBase + ringStart,
        detached: false,
      };
      if (from === null) goLive(entry);
      else catchUp(entry);
      return {
        resume: () => {
          if (!entry.detached && entry.replayFrom !== null) catchUp(entry);
        },
        detach: () => {
          entry.detached = true;
          live.delete(entry);
        },
      };
    },
    position: () => structuredClone(hubPosition),
    sequence: () => ingested,
    subscriberCount: () => live.size,
  };
}
