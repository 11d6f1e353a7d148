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
 *
 * Contribution bounds (so stage 2's noise means what it says): within one window each buyer counts in at most
 * `maxCategoriesPerBuyer` (category, region) cells — the ones it bought in first (earliest purchase time, then
 * event id, then key: a rule on the buyer's own purchases only, applied when the window closes, so late purchases
 * within lateness are judged with the rest) — and adds at most `maxUnitsPerBuyer` units (rounded to a whole unit)
 * and one buyer to each. A buyer therefore moves the window's bounded units by at most
 * maxCategoriesPerBuyer x maxUnitsPerBuyer in total and its bounded buyer counts by at most maxCategoriesPerBuyer.
 * The exact figures travel beside the bounded ones for the host's own view; only bounded ones are ever noised.
 */
import { z } from 'zod';
import { DEFAULT_HOST_CONFIG } from '../../policies/contracts/index.ts';
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
  /** Units after the per-buyer clamps (whole units): what stage 2 noises. */
  boundedUnits: z.number().int().nonnegative(),
  /** Buyers whose kept cells include this one (0 when every buyer of the cell kept others). */
  boundedBuyers: z.number().int().nonnegative(),
  /** Exact units and distinct buyers, for the host's own view only (never noised, never shown to partners). */
  exactUnits: z.number(),
  exactBuyers: z.number().int(),
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
  /** Most units one buyer adds to one cell in a window (default: the host config default, 5). */
  maxUnitsPerBuyer?: number;
  /** Most (category, region) cells one buyer counts in per window (default: the host config default, 3). */
  maxCategoriesPerBuyer?: number;
  outputTopic?: string;
}

/** What stage 1 keeps of one buyer in one window: units per cell and when the buyer first bought in it. */
interface BuyerWindow {
  cells: Record<string, { units: number; firstAt: number; firstEventId: string }>;
}

/** Per (category, region) totals of one closing window. */
interface CellTotals {
  boundedUnits: number;
  boundedBuyers: number;
  exactUnits: number;
  exactBuyers: number;
}

/**
 * The cells a buyer counts in and what it adds to each: its first `maxCategories` cells by (first purchase time,
 * event id, key), each with min(units, maxUnits) rounded to a whole unit.
 */
export function boundBuyer(
  cells: BuyerWindow['cells'],
  maxUnits: number,
  maxCategories: number,
): Array<{ key: string; units: number }> {
  return Object.entries(cells)
    .sort(
      ([keyA, a], [keyB, b]) =>
        a.firstAt - b.firstAt ||
        (a.firstEventId < b.firstEventId ? -1 : a.firstEventId > b.firstEventId ? 1 : 0) ||
        (keyA < keyB ? -1 : keyA > keyB ? 1 : 0),
    )
    .slice(0, maxCategories)
    .map(([key, cell]) => ({ key, units: Math.round(Math.min(maxUnits, cell.units)) }));
}

/**
 * Create stage 1 (input: `cleanroom.events`). Anonymous purchases, returns and purchases without
 * measurement consent are not demand: aggregates only count consented, identified buyers.
 */
export function createDemandRepartitioner(options: DemandRepartitionerOptions): Processor<CleanEvent> {
  return createCellRepartitioner(options, PURCHASE_INPUT);
}

/** What one input record adds to the cells of its window: its contributor and units per cell. */
export interface CellContribution {
  /** Who the per-contributor clamps bound (a buyer's subject id; a sensor record's own id). */
  contributorId: string;
  cells: Array<{ key: string; units: number }>;
}

/** How a cell repartitioner reads its input topic. */
export interface CellInput<E> {
  parse(value: string): E;
  eventTime(event: E): number;
  eventId(event: E): string;
  /** The record's contribution, or null when it is not an input of the measure. */
  contributionOf(event: E): CellContribution | null;
}

/**
 * Purchases: consented, identified buyers' positive quantities per (category, region). Anonymous purchases,
 * returns and purchases without measurement consent are not demand.
 */
const PURCHASE_INPUT: CellInput<CleanEvent> = {
  parse: (value) => cleanEventSchema.parse(JSON.parse(value)),
  eventTime: (event) => Date.parse(event.occurredAt),
  eventId: (event) => event.eventId,
  contributionOf(event) {
    if (event.type !== 'purchase' || event.subjectId === null || !event.consent.measurement) return null;
    const cells = event.items
      .filter((item) => item.quantity > 0)
      .map((item) => ({ key: demandKey(item.category, event.region), units: item.quantity }));
    return cells.length === 0 ? null : { contributorId: event.subjectId, cells };
  },
};

/**
 * Stage 1 over any input: the machinery of {@link createDemandRepartitioner} (windows, clamps, partials, markers)
 * with the input's own reading of what a record contributes.
 */
export function createCellRepartitioner<E>(
  options: DemandRepartitionerOptions,
  input: CellInput<E>,
): Processor<E> {
  const outputTopic = options.outputTopic ?? DEMAND_TOPIC;
  const windowMs = options.windowMs ?? MS.hour;
  const lateness = options.allowedLatenessMs ?? 0;
  const maxUnits = options.maxUnitsPerBuyer ?? DEFAULT_HOST_CONFIG.privacy.triggers.maxUnitsPerBuyer;
  const maxCategories =
    options.maxCategoriesPerBuyer ?? DEFAULT_HOST_CONFIG.privacy.triggers.maxCategoriesPerBuyer;
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
    // Buyer rows sort by window (fixed-width names), then subject: bound each buyer, then sum per cell.
    const closing = new Map<string, Map<string, CellTotals>>();
    for (const name of windows.names('buyer:')) {
      const [, startText = ''] = name.split(':');
      if (Number(startText) > upTo) break;
      const cells = closing.get(startText) ?? new Map<string, CellTotals>();
      closing.set(startText, cells);
      const buyer = windows.get<BuyerWindow | number>(name);
      // State written before the clamps existed held a flag per buyer and cell, no purchases: nothing to bound.
      if (typeof buyer !== 'object' || buyer === null) continue;
      const totals = (key: string): CellTotals => {
        const existing = cells.get(key);
        if (existing !== undefined) return existing;
        const fresh = { boundedUnits: 0, boundedBuyers: 0, exactUnits: 0, exactBuyers: 0 };
        cells.set(key, fresh);
        return fresh;
      };
      for (const [key, cell] of Object.entries(buyer.cells)) {
        totals(key).exactUnits += cell.units;
        totals(key).exactBuyers += 1;
      }
      for (const kept of boundBuyer(buyer.cells, maxUnits, maxCategories)) {
        totals(kept.key).boundedUnits += kept.units;
        totals(kept.key).boundedBuyers += 1;
      }
    }
    for (const [startText, cells] of closing) {
      const windowStart = new Date(Number(startText)).toISOString();
      for (const key of [...cells.keys()].sort()) {
        const totals = cells.get(key)!;
        const [category = '', region = ''] = key.split('|');
        const partial: DemandPartial = {
          kind: 'partial',
          partialId: `partial:${windowStart}:${key}:${ctx.partition}`,
          windowStart,
          category,
          region,
          source: ctx.partition,
          ...totals,
        };
        ctx.emit({ topic: outputTopic, key, value: partial, outputId: partial.partialId });
      }
    }
    // Windows with only non-demand input have `seen:` rows but no buyers: clear everything up to `upTo` (and the
    // `agg:` rows state written before the clamps existed kept).
    for (const prefix of ['buyer:', 'seen:', 'agg:']) {
      for (const name of windows.names(prefix)) {
        if (Number(name.split(':')[1]) > upTo) break;
        windows.delete(name);
      }
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
    parse: (record) => input.parse(record.value),
    // An idle partition moved forward by the host (idleTimeoutMs) reports progress even with no input.
    onWatermark(ctx) {
      if (ctx.stateOf.forKey(WINDOWS_KEY).get<number>('lastClosed') === undefined) closeDueWindows(ctx);
    },
    eventTime: (event) => input.eventTime(event),
    eventId: (event) => input.eventId(event),
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
      const contribution = input.contributionOf(event);
      if (contribution === null) return;
      const eventId = input.eventId(event);
      const seen = `seen:${windowName(start)}:${eventId}`;
      if (windows.get(seen) !== undefined) return; // a repeated eventId
      windows.put(seen, 1);
      const buyerName = `buyer:${windowName(start)}:${contribution.contributorId}`;
      const buyer = windows.get<BuyerWindow>(buyerName) ?? { cells: {} };
      const at = ctx.eventTime!;
      for (const { key, units } of contribution.cells) {
        const cell = buyer.cells[key];
        if (cell === undefined) {
          buyer.cells[key] = { units, firstAt: at, firstEventId: eventId };
          continue;
        }
        cell.units += units;
        // A late purchase may be the buyer's first in this cell: the rule looks at purchase time, not arrival.
        if (at < cell.firstAt || (at === cell.firstAt && eventId < cell.firstEventId)) {
          cell.firstAt = at;
          cell.firstEventId = eventId;
        }
      }
      windows.put(buyerName, buyer);
    },
    onTimer(ctx) {
      if (ctx.timer.name.startsWith('close:'))
        closeWindow(ctx, Number(ctx.timer.name.slice('close:'.length)));
    },
  };
}
