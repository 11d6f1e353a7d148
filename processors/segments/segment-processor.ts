/**
 * The segments processor: keeps, per subject, the events that matter to each segment condition and emits
 * `cleanroom.segment-changes` only when a membership changes.
 *
 * Semantics: membership is evaluated AS OF THE WATERMARK. An event at `t` sets a timer at `t`; each condition
 * sets timers at the instants its answer can change (`t + N` for "within N", `t + from`/`t + to` for
 * "between"). Timers fire in event-time order as the watermark passes, and each evaluates the subject at the
 * timer's time, so memberships after the watermark reached `W` equal a recomputation from all events up to
 * `W` (the reference test checks exactly this). Entries therefore lag the newest event by the out-of-orderness
 * bound; exits caused by time passing come from the same timers (cause `time`).
 *
 * Consent: events without measurement consent are dropped (never aggregated). A `cleanroom.consent` change
 * withdrawing measurement exits every segment (cause `consent`) and drops the subject's hits; an erasure exits
 * (cause `erasure`) and purges every row and timer of the subject. Both topics are keyed by subjectId with the
 * same partition count, so a subject's consent and events meet in the same task.
 *
 * Sizes: each partition task keeps the member count of every segment (`readSegmentSizes` sums them over
 * stores); a change's `segmentSize` is its partition's count after the change, which is deterministic (an
 * instance-wide count would depend on which partitions an instance happens to own).
 */
import { TOPICS, cleanEventSchema, consentChangeSchema } from '../../schema/topics.ts';
import type { CleanEvent, ConsentChange, SegmentChange } from '../../schema/topics.ts';
import type { KeyedState, Processor, ProcessorContext } from '../runtime/index.ts';
import type { SegmentDefinition } from './definition.ts';
import { changeInstants, compileSegment, isMember, matchEvent, pruneHits } from './evaluate.ts';
import type { CompiledSegment, Hit } from './evaluate.ts';
import { SegmentError } from './errors.ts';

/** An input of the segments processor. */
export type SegmentInput = { kind: 'event'; event: CleanEvent } | { kind: 'consent'; change: ConsentChange };

/** A subject's stored state. */
export interface SubjectSegmentState {
  /** Per segment id: hits per condition. */
  hits: Record<string, Hit[][]>;
  /** Segment ids the subject is a member of. */
  members: string[];
  partnerSharing: boolean;
}

/** Reserved key of the partition-wide segment sizes (no subject id can be empty-prefixed like this). */
export const SIZES_KEY = '\u0000segment-sizes';

const EVENT_TIMER = 'eval:event';
const TIME_TIMER = 'eval:time';

/** Options of {@link createSegmentProcessor}. */
export interface SegmentProcessorOptions {
  definitions: SegmentDefinition[];
  eventsTopic?: string;
  consentTopic?: string;
  outputTopic?: string;
}

/**
 * Create the segments processor (run it with `createProcessorHost`, inputs: events and consent topics).
 *
 * @example
 * createProcessorHost({ log, name: 'segments', inputTopics: [TOPICS.events, TOPICS.consent], stateDir,
 *   processor: createSegmentProcessor({ definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR) }),
 *   eventTime: { maxOutOfOrdernessMs: 60_000, allowedLatenessMs: 3_600_000 } });
 */
export function createSegmentProcessor(options: SegmentProcessorOptions): Processor<SegmentInput> {
  const segments: CompiledSegment[] = options.definitions.map(compileSegment);
  const consentTopic = options.consentTopic ?? TOPICS.consent;
  const outputTopic = options.outputTopic ?? TOPICS.segmentChanges;

  const load = (state: KeyedState): SubjectSegmentState =>
    state.get<SubjectSegmentState>('subject') ?? { hits: {}, members: [], partnerSharing: false };

  /** Re-evaluate every segment at `now`; emit a change for each membership that flipped. */
  const reevaluate = (
    ctx: ProcessorContext,
    subjectId: string,
    subject: SubjectSegmentState,
    now: number,
    cause: SegmentChange['cause'],
  ): void => {
    for (const segment of segments) {
      const hits = (subject.hits[segment.id] ?? []).map((list, index) =>
        pruneHits(segment.conditions[index]!, list, now),
      );
      if (hits.some((list) => list.length > 0)) subject.hits[segment.id] = hits;
      else delete subject.hits[segment.id];
      const wasMember = subject.members.includes(segment.id);
      const member = isMember(segment, hits, now);
      if (member !== wasMember) {
        subject.members = member
          ? [...subject.members, segment.id].sort()
          : subject.members.filter((id) => id !== segment.id);
        emitChange(
          ctx,
          segment.id,
          subjectId,
          member ? 'entered' : 'exited',
          now,
          cause,
          subject.partnerSharing,
        );
      }
    }
  };

  const emitChange = (
    ctx: ProcessorContext,
    segmentId: string,
    subjectId: string,
    action: SegmentChange['action'],
    at: number,
    cause: SegmentChange['cause'],
    partnerSharing: boolean,
  ): void => {
    const sizes = ctx.stateOf.forKey(SIZES_KEY);
    const size = Math.max(0, (sizes.get<number>(segmentId) ?? 0) + (action === 'entered' ? 1 : -1));
    sizes.put(segmentId, size);
    const change: SegmentChange = {
      // The event time and action make the id unique per subject and segment, and survive an erasure
      // (a per-subject counter would restart at 0 and collide with ids sent before the erasure).
      changeId: `seg:${segmentId}:${subjectId}:${at}-${action}`,
      segmentId,
      subjectId,
      action,
      at: new Date(at).toISOString(),
      cause,
      segmentSize: size,
      partnerSharing,
    };
    ctx.emit({ topic: outputTopic, key: subjectId, value: change, outputId: change.changeId });
  };

  const exitAll = (
    ctx: ProcessorContext,
    subjectId: string,
    subject: SubjectSegmentState,
    at: number,
    cause: SegmentChange['cause'],
  ): void => {
    for (const segmentId of subject.members)
      emitChange(ctx, segmentId, subjectId, 'exited', at, cause, subject.partnerSharing);
    subject.members = [];
    subject.hits = {};
  };

  const onEvent = (event: CleanEvent, ctx: ProcessorContext & { eventTime: number | null }): void => {
    const subjectId = event.subjectId;
    if (subjectId === null || !event.consent.measurement) return;
    if (ctx.state.key !== subjectId) {
      throw new SegmentError('INVALID_INPUT', 'record key is not the event subjectId');
    }
    const t = ctx.eventTime!;
    const subject = load(ctx.state);
    subject.partnerSharing = event.consent.partnerSharing;
    let matched = false;
    for (const segment of segments) {
      segment.conditions.forEach((compiled, index) => {
        const amount = matchEvent(compiled.condition, event);
        if (amount === null) return;
        const perCondition = (subject.hits[segment.id] ??= segment.conditions.map(() => []));
        const hits = perCondition[index]!;
        if (hits.some((hit) => hit.e === event.eventId)) return; // a repeated eventId is a duplicate
        hits.push({ t, a: amount, e: event.eventId });
        matched = true;
        for (const instant of changeInstants(compiled, t)) {
          if (instant !== t) ctx.setTimer(instant, TIME_TIMER);
        }
      });
    }
    if (!matched) return;
    ctx.setTimer(t, EVENT_TIMER);
    ctx.state.put('subject', subject);
  };

  const onConsent = (change: ConsentChange, ctx: ProcessorContext): void => {
    const stateOfSubject = ctx.stateOf.forKey(change.subjectId);
    const subject = load(stateOfSubject);
    const at = Math.max(Date.parse(change.occurredAt), ctx.watermark);
    subject.partnerSharing = change.consent.partnerSharing;
    if (change.erased) {
      exitAll(ctx, change.subjectId, subject, at, 'erasure');
      stateOfSubject.clear();
      return;
    }
    if (!change.consent.measurement) {
      exitAll(ctx, change.subjectId, subject, at, 'consent');
      stateOfSubject.clear();
    }
    stateOfSubject.put('subject', subject);
  };

  return {
    parse(record) {
      const value: unknown = JSON.parse(record.value);
      return record.topic === consentTopic
        ? { kind: 'consent', change: consentChangeSchema.parse(value) }
        : { kind: 'event', event: cleanEventSchema.parse(value) };
    },
    eventTime: (input) => (input.kind === 'event' ? Date.parse(input.event.occurredAt) : null),
    eventId: (input) => (input.kind === 'event' ? input.event.eventId : input.change.changeId),
    onRecord(input, ctx) {
      if (input.kind === 'event') onEvent(input.event, ctx);
      else onConsent(input.change, ctx);
    },
    onTimer(ctx) {
      const subject = ctx.state.get<SubjectSegmentState>('subject');
      if (!subject) return;
      reevaluate(
        ctx,
        ctx.timer.key,
        subject,
        ctx.timer.time,
        ctx.timer.name === EVENT_TIMER ? 'event' : 'time',
      );
      if (Object.keys(subject.hits).length === 0 && subject.members.length === 0) {
        ctx.state.delete('subject');
      } else ctx.state.put('subject', subject);
    },
  };
}

/** Segment sizes summed over the given state stores (one per partition task). */
export function readSegmentSizes(
  stores: Array<{ get<T>(key: string, name: string): T | undefined; names(key: string): string[] }>,
): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const store of stores) {
    for (const segmentId of store.names(SIZES_KEY)) {
      sizes[segmentId] = (sizes[segmentId] ?? 0) + (store.get<number>(SIZES_KEY, segmentId) ?? 0);
    }
  }
  return sizes;
}

/** Current memberships (subjectId -> segment ids) in the given state stores. */
export function readMemberships(
  stores: Array<{ get<T>(key: string, name: string): T | undefined; keys(): string[] }>,
): Map<string, string[]> {
  const memberships = new Map<string, string[]>();
  for (const store of stores) {
    for (const key of store.keys()) {
      if (key === SIZES_KEY) continue;
      const subject = store.get<SubjectSegmentState>(key, 'subject');
      if (subject && subject.members.length > 0) memberships.set(key, subject.members);
    }
  }
  return memberships;
}
