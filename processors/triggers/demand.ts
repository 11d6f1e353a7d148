/**
 * Stage 1 of the triggers pipeline: per input partition, pre-aggregate demand per (category, region,
 * window) and repartition it to (category, region) keys, with window-completion markers.
 *
 * Why: `cleanroom.events` is keyed by subjectId, so one (category, region)'s purchases are spread over every
 * partition. A per-key baseline and "one trigger per category, region and window" need ONE owner per key,
 * or two instances would each see part of a window and each fire (or neither would). So stage 1 produces to
 * the internal topic `cleanroom.demand-by-region`, keyed `category|region`, and stage 2 (trigger-processor.ts)
 * owns each key.
 *
 * Why partials and markers instead of forwarding each purchase: event time is only well ordered WITHIN an
 * input partition (bounded out-of-orderness). Forwarded purchases from several input partitions interleave
 * in the repartition topic with arbitrary skew (one partition may be hours ahead when catching up), so no
 * watermark bound there is safe. Instead each input partition judges lateness with its own watermark and,
 * when its watermark passes `window end + allowed lateness`, sends one partial per (category, region) it saw
 * — units and distinct buyers (exact when summed: a subject lives in exactly one input partition) — followed
 * by a `closed` marker to EVERY stage-2 partition. Stage 2 judges a window once every input partition closed
 * it (a marker means "closed everything up to this window"). Window closes chain (closing w sets the timer
 * of w + 1), so time keeps being reported through empty windows; after a jump of the watermark one close
 * covers every window that became due.
 * Ids are deterministic (`partial:<start>:<key>:<source>`, `closed:<start>:<source>:<partition>`), so an
 * outbox re-send is recognised. Idle input partitions stall completion: run stage 1 with `idleTimeoutMs`.
 */
import { z } from 'zod';
import { TOPICS, cleanEventSchema } from '../../schema/topics.ts';
import type { CleanEvent } from '../../schema/topics.ts';
import { MS, tumblingWindow } from '../runtime/index.ts';
import type { Processor, ProcessorContext } from '../runtime/index.ts';

/** The internal repartition topic (keyed `category|region`; markers pinned to each partition). */
export const DEMAND_TOPIC = 'cleanroom.demand-by-region';

/** Input topic of stage 1. */
export const DEMAND_INPUT_TOPIC = TOPICS.events;

const isoDateTime = z.iso.datetime({ offset: true });

/** Demand of one (category, region) in one window from one input partition. */
export const demandPartialSchema = z.object({
  kind: z.literal('partial'),
  partialId: z.string(),
  windowStart: isoDateTime,
  category: z.string(),
  region: z.string(),
  source: z.number().int(),
  units: z.number(),
  distinctBuyers: z.number().int(),
});

/** An input partition finished a window (sent to every partition of the demand topic). */
export const windowClosedSchema = z.object({
  kind: z.literal('closed'),
  markerId: z.string(),
  windowStart: isoDateTime,
  source: z.number().int(),
  /** Number of input partitions (all must close a window before it is judged). */
  sources: z.number().int().positive(),
});

/** A record of the demand topic. */
export const demandRecordSchema = z.discriminatedUnion('kind', [demandPartialSchema, windowClosedSchema]);

export type DemandPartial = z.infer<typeof demandPartialSchema>;
export type WindowClosed = z.infer<typeof windowClosedSchema>;
export type DemandRecord = z.infer<typeof demandRecordSchema>;

/** The partition key of a (category, region). */
export function demandKey(category: string, region: string): string {
  return `${category}|${region}`;
}

/** Reserved key of stage 1's partition-wide window state (no subject id starts with NUL). */
const WINDOWS_KEY = '\u0000demand-windows';

/** Window starts as fixed-width text, so state names sort in time order. */
export function windowName(start: number): string {
  return String(start).padStart(16, '0');
}

/** Options of {@link createDemandRepartitioner} (partition counts are read each time a window closes). */
export interface DemandRepartitionerOptions {
  /** Partitions of the input topic (markers tell stage 2 how many sources to wait for). */
  inputPartitions: number;
  /** Partitions of the demand topic (each receives every `closed` marker). */
  demandPartitions: number;
  /** Tumbling window size (default 1 hour); stage 2 must use the same. */
  windowMs?: number;
  /** Must equal the host's `allowedLatenessMs`: windows close at `end + allowedLatenessMs`. */
  allowedLatenessMs?: number;
  outputTopic?: string;
}

/**
 * Create stage 1 (input: `cleanroom.events`). Anonymous purchases, returns and purchases without
 * measurement consent are not demand: aggregates only count consented, identified buyers.
 */
export function createDemandRepartitioner(options: DemandRepartitionerOptions): Processor<CleanEvent> {
  const outputTopic = options.outputTopic ?? DEMAND_TOPIC;
  const windowMs = options.windowMs ?? MS.hour;
  const lateness = options.allowedLatenessMs ?? 0;
  const scheduleClose = (ctx: ProcessorContext, start: number): void =>
    ctx.setTimer(start + windowMs + lateness, `close:${windowName(start)}`, WINDOWS_KEY);

  /**
   * Close window `start` and every later window the watermark already passed (after a jump of the
   * watermark they are all due at once): their partials in window order, then ONE set of markers meaning
   * "this partition closed everything up to here". Their own timers then find them closed.
   */
  const closeWindow = (ctx: ProcessorContext, start: number): void => {
    const windows = ctx.state;
    const lastClosed = windows.get<number>('lastClosed');
    if (lastClosed !== undefined && start <= lastClosed) return;
    const upTo = Math.max(start, tumblingWindow(ctx.watermark - lateness, windowMs).start - windowMs);
    const closing = new Set<string>();
    for (const name of windows.names('agg:')) {
      const [, startText = '', key = ''] = name.split(':');
      const aggStart = Number(startText);
      if (aggStart > upTo) break;
      closing.add(startText);
      const totals = windows.get<{ units: number; buyers: number }>(name)!;
      const [category = '', region = ''] = key.split('|');
      const windowStart = new Date(aggStart).toISOString();
      const partial: DemandPartial = {
        kind: 'partial',
        partialId: `partial:${windowStart}:${key}:${ctx.partition}`,
        windowStart,
        category,
        region,
        source: ctx.partition,
        units: totals.units,
        distinctBuyers: totals.buyers,
      };
      ctx.emit({ topic: outputTopic, key, value: partial, outputId: partial.partialId });
    }
    for (const startText of closing) {
      for (const prefix of ['agg:', 'buyer:', 'seen:']) windows.deletePrefix(`${prefix}${startText}:`);
    }
    const closedUpTo = new Date(upTo).toISOString();
    for (let partition = 0; partition < options.demandPartitions; partition += 1) {
      const marker: WindowClosed = {
        kind: 'closed',
        markerId: `closed:${closedUpTo}:${ctx.partition}:${partition}`,
        windowStart: closedUpTo,
        source: ctx.partition,
        sources: options.inputPartitions,
      };
      ctx.emit({ topic: outputTopic, key: null, value: marker, outputId: marker.markerId, partition });
    }
    windows.put('lastClosed', upTo);
    scheduleClose(ctx, upTo + windowMs);
  };

  const closeDueWindows = (ctx: ProcessorContext): void => {
    if (Number.isFinite(ctx.watermark)) {
      scheduleClose(ctx, tumblingWindow(ctx.watermark - lateness, windowMs).start - windowMs);
    }
  };

  return {
    parse: (record) => cleanEventSchema.parse(JSON.parse(record.value)),
    // An idle partition moved forward by the host (idleTimeoutMs) reports progress even with no input.
    onWatermark(ctx) {
      if (ctx.stateOf.forKey(WINDOWS_KEY).get<number>('lastClosed') === undefined) closeDueWindows(ctx);
    },
    eventTime: (event) => Date.parse(event.occurredAt),
    eventId: (event) => event.eventId,
    onRecord(event, ctx) {
      const { start } = tumblingWindow(ctx.eventTime!, windowMs);
      const windows = ctx.stateOf.forKey(WINDOWS_KEY);
      const lastClosed = windows.get<number>('lastClosed');
      // A window this partition already closed (late within lateness but past the close) is not reopened.
      if (lastClosed !== undefined && start <= lastClosed) return;
      // Every window with input has its close timer (also the first one, which starts the chain).
      scheduleClose(ctx, start);
      // A partition's first record also closes at once every window its watermark already passed (an
      // event older than that would be too late anyway), so stage 2 need not wait for this partition there.
      if (lastClosed === undefined) closeDueWindows(ctx);
      if (event.type !== 'purchase' || event.subjectId === null || !event.consent.measurement) return;
      const seen = `seen:${windowName(start)}:${event.eventId}`;
      if (windows.get(seen) !== undefined) return; // a repeated eventId
      windows.put(seen, 1);
      const unitsByCategory = new Map<string, number>();
      for (const item of event.items) {
        if (item.quantity > 0)
          unitsByCategory.set(item.category, (unitsByCategory.get(item.category) ?? 0) + item.quantity);
      }
      for (const [category, units] of unitsByCategory) {
        const key = demandKey(category, event.region);
        const aggName = `agg:${windowName(start)}:${key}`;
        const totals = windows.get<{ units: number; buyers: number }>(aggName) ?? { units: 0, buyers: 0 };
        totals.units += units;
        const buyer = `buyer:${windowName(start)}:${key}:${event.subjectId}`;
        if (windows.get(buyer) === undefined) {
          windows.put(buyer, 1);
          totals.buyers += 1;
        }
        windows.put(aggName, totals);
      }
    },
    onTimer(ctx) {
      if (ctx.timer.name.startsWith('close:'))
        closeWindow(ctx, Number(ctx.timer.name.slice('close:'.length)));
    },
  };
}
