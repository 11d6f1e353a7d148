/**
 * Stage 2 of the triggers pipeline: demand per (category, region) in tumbling windows against an EWMA
 * baseline of the earlier windows of the same key. Input: `cleanroom.demand-by-region` (see demand.ts).
 *
 * Partials add up per key and window; a window is judged once EVERY input partition of stage 1 has closed it
 * (the `closed` markers; sources close windows in order, so "closed up to" is the minimum over sources).
 * Each window is judged exactly once, so there is at most one trigger per category, region and window
 * (`trigger:<category>:<region>:<windowStart>`). Event time and lateness were judged in stage 1, per input
 * partition; this stage needs no watermark of its own. Observed demand is units; a trigger needs
 * `lift = units / max(baseline, minBaseline) >= liftThreshold`, at least `minDistinctBuyers` distinct buyers
 * and `warmupWindows` earlier windows behind the baseline. Windows without demand between two judged windows
 * count as zeros in the baseline.
 */
import { TOPICS } from '../../schema/topics.ts';
import type { Trigger } from '../../schema/topics.ts';
import { MS } from '../runtime/index.ts';
import type { KeyedState, Processor, ProcessorContext } from '../runtime/index.ts';
import { demandRecordSchema, windowName } from './demand.ts';
import type { DemandPartial, DemandRecord, WindowClosed } from './demand.ts';

/** Settings of the trigger processor. */
export interface TriggerOptions {
  /** Tumbling window size (default 1 hour); must equal stage 1's. */
  windowMs?: number;
  /** Lift at or above which a trigger fires (default 2.0). */
  liftThreshold?: number;
  /** Distinct buyers a window needs to fire (default 50, the host's k floor). */
  minDistinctBuyers?: number;
  /** EWMA weight of the newest window (default 0.3). */
  ewmaAlpha?: number;
  /** Windows of history before the baseline is trusted (default 3). */
  warmupWindows?: number;
  /** Floor of the baseline in units, so a key with no history cannot fire on a handful of sales (default 1). */
  minBaseline?: number;
  outputTopic?: string;
}

/** Defaults of {@link TriggerOptions}. */
export const TRIGGER_DEFAULTS = {
  windowMs: MS.hour,
  liftThreshold: 2.0,
  minDistinctBuyers: 50,
  ewmaAlpha: 0.3,
  warmupWindows: 3,
  minBaseline: 1,
  outputTopic: TOPICS.triggers,
} as const;

/** Open window totals of a key. */
interface WindowState {
  units: number;
  buyers: number;
}

/** Baseline state of a key. */
export interface BaselineState {
  ewma: number;
  windows: number;
  lastClosedStart: number | null;
}

/** The judgement of one window (fired or not), kept as the key's `lastJudgement` for inspection. */
export interface WindowJudgement {
  windowStart: number;
  units: number;
  distinctBuyers: number;
  baseline: number;
  lift: number;
  fired: boolean;
}

/** Reserved key of the partition-wide progress: closed-up-to per source and the open windows index. */
const PROGRESS_KEY = '\u0000trigger-progress';

/** Create stage 2 (input: the demand topic written by stage 1). */
export function createTriggerProcessor(options: TriggerOptions = {}): Processor<DemandRecord> {
  const settings = { ...TRIGGER_DEFAULTS, ...options };

  const judge = (ctx: ProcessorContext, key: string, start: number): void => {
    const state = ctx.stateOf.forKey(key);
    const window = state.get<WindowState>(`window:${windowName(start)}`);
    state.deletePrefix(`window:${windowName(start)}`);
    state.deletePrefix(`seen:${windowName(start)}:`);
    if (!window) return;
    const baseline = state.get<BaselineState>('baseline') ?? { ewma: 0, windows: 0, lastClosedStart: null };
    if (baseline.lastClosedStart !== null) {
      const gap = Math.max(0, Math.round((start - baseline.lastClosedStart) / settings.windowMs) - 1);
      baseline.ewma *= (1 - settings.ewmaAlpha) ** gap;
      baseline.windows += gap;
    }
    const lift = window.units / Math.max(baseline.ewma, settings.minBaseline);
    const judgement: WindowJudgement = {
      windowStart: start,
      units: window.units,
      distinctBuyers: window.buyers,
      baseline: baseline.ewma,
      lift,
      fired:
        baseline.windows >= settings.warmupWindows &&
        lift >= settings.liftThreshold &&
        window.buyers >= settings.minDistinctBuyers,
    };
    state.put('lastJudgement', judgement);
    if (judgement.fired) {
      const [category = '', region = ''] = key.split('|');
      const windowStart = new Date(start).toISOString();
      const trigger: Trigger = {
        triggerId: `trigger:${category}:${region}:${windowStart}`,
        category,
        region,
        windowStart,
        windowEnd: new Date(start + settings.windowMs).toISOString(),
        lift: Math.round(lift * 1000) / 1000,
        baseline: Math.round(baseline.ewma * 1000) / 1000,
        observed: window.units,
        distinctBuyers: window.buyers,
      };
      ctx.emit({ topic: settings.outputTopic, key, value: trigger, outputId: trigger.triggerId });
    }
    baseline.ewma =
      baseline.windows === 0
        ? window.units
        : settings.ewmaAlpha * window.units + (1 - settings.ewmaAlpha) * baseline.ewma;
    baseline.windows += 1;
    baseline.lastClosedStart = start;
    state.put('baseline', baseline);
  };

  const onPartial = (partial: DemandPartial, ctx: ProcessorContext, progress: KeyedState): void => {
    const start = Date.parse(partial.windowStart);
    const judgedUpTo = progress.get<number>('judgedUpTo');
    if (judgedUpTo !== undefined && start <= judgedUpTo) return; // a re-send of a window already judged
    const seen = `seen:${windowName(start)}:${partial.partialId}`;
    if (ctx.state.get(seen) !== undefined) return; // a re-sent partial
    ctx.state.put(seen, 1);
    const name = `window:${windowName(start)}`;
    const window = ctx.state.get<WindowState>(name) ?? { units: 0, buyers: 0 };
    window.units += partial.units;
    window.buyers += partial.distinctBuyers;
    ctx.state.put(name, window);
    progress.put(`open:${windowName(start)}:${ctx.state.key}`, 1);
  };

  const onClosed = (marker: WindowClosed, ctx: ProcessorContext, progress: KeyedState): void => {
    const start = Date.parse(marker.windowStart);
    const closedBy = progress.get<Record<string, number>>('closedBy') ?? {};
    closedBy[marker.source] = Math.max(closedBy[marker.source] ?? -Infinity, start);
    progress.put('closedBy', closedBy);
    const reported = Object.values(closedBy);
    if (reported.length < marker.sources) return;
    const closedUpTo = Math.min(...reported);
    const judgedUpTo = progress.get<number>('judgedUpTo') ?? -Infinity;
    if (closedUpTo <= judgedUpTo) return;
    // Open windows sort by start (fixed-width names): judge every one up to the new completion, in order.
    for (const name of progress.names('open:')) {
      const [, startText = '', ...keyParts] = name.split(':');
      const windowStart = Number(startText);
      if (windowStart > closedUpTo) break;
      judge(ctx, keyParts.join(':'), windowStart);
      progress.delete(name);
    }
    progress.put('judgedUpTo', closedUpTo);
  };

  return {
    parse: (record) => demandRecordSchema.parse(JSON.parse(record.value)),
    // Event time was judged per input partition in stage 1; completion here follows the markers.
    eventTime: () => null,
    eventId: (record) => (record.kind === 'partial' ? record.partialId : record.markerId),
    onRecord(record, ctx) {
      const progress = ctx.stateOf.forKey(PROGRESS_KEY);
      if (record.kind === 'partial') onPartial(record, ctx, progress);
      else onClosed(record, ctx, progress);
    },
  };
}
