/**
 * Stage 2 of the triggers pipeline: demand per (category, region) in tumbling windows against an EWMA
 * baseline of the earlier windows of the same key, released with differential privacy. Input:
 * `cleanroom.demand-by-region` (see demand.ts).
 *
 * Partials add up per key and window; a window is judged once EVERY input partition of stage 1 has closed it
 * (the `closed` markers; sources close windows in order, so "closed up to" is the minimum over sources).
 * Each window is judged exactly once, so there is at most one trigger per category, region and window
 * (`trigger:<category>:<region>:<windowStart>`). Event time and lateness were judged in stage 1, per input
 * partition; this stage needs no watermark of its own.
 *
 * What is released (trigger-mechanism.ts, judge.ts): for every judged cell, noised units U' and noised distinct
 * buyers B' of stage 1's clamped demand. A trigger fires iff the history since the stage's start holds at least
 * `warmupWindows` windows, U' >= liftThreshold x max(baseline, minBaseline) with the baseline an EWMA of earlier
 * windows' U', and B' >= max(k floor, partition-selection threshold). Neither its existence nor its figures depend
 * on exact data except through that noise; the exact figures travel only in the trigger's `hostOnly` block.
 *
 * The history starts one window after the first window that may hold data: the first completion reports "closed
 * up to C", so data starts in window C + 1 at the earliest, and that window is where the stream began — usually
 * partway through, or empty (a stream rarely starts on a window boundary). Counting it would put a near-zero window
 * at the start of every key's baseline and make every key look like it surges once the warm-up ends. So the
 * history starts at C + 2, a time that follows the watermark and no one's purchases; windows judged before it are
 * discarded, and from it on every window enters every key's baseline, with noise alone where the key had no
 * demand.
 */
import { TOPICS } from '../../schema/topics.ts';
import type { Trigger } from '../../schema/topics.ts';
import { MS } from '../runtime/index.ts';
import type { KeyedState, Processor, ProcessorContext } from '../runtime/index.ts';
import { demandRecordSchema, windowName } from './demand.ts';
import type { DemandPartial, DemandRecord, WindowClosed } from './demand.ts';
import { EMPTY_BASELINE, judgeWindow } from './judge.ts';
import type { BaselineState, JudgeSettings } from './judge.ts';
import { TRIGGER_PRIVACY_DEFAULTS, createTriggerMechanism } from './trigger-mechanism.ts';
import type { TriggerPrivacySettings } from './trigger-mechanism.ts';

/** Settings of the trigger processor (the privacy ones default to the host configuration's). */
export interface TriggerOptions extends Partial<TriggerPrivacySettings> {
  /** Tumbling window size (default 1 hour); must equal stage 1's. */
  windowMs?: number;
  /** Lift at or above which a trigger fires (default 2.0). */
  liftThreshold?: number;
  /** EWMA weight of the newest window (default 0.3). */
  ewmaAlpha?: number;
  /** Windows of history before a window may fire (default 3). */
  warmupWindows?: number;
  /** Floor of the baseline in units, so a key with no history cannot fire on a handful of sales (default 1). */
  minBaseline?: number;
  outputTopic?: string;
}

/** Options of {@link createTriggerProcessor}: the settings and the noise key. */
export interface TriggerProcessorOptions extends TriggerOptions {
  /** 32-byte key of the noise (`deriveNoiseKey(hostSecret, 'trigger-noise')`); never logged. */
  noiseKey: Uint8Array;
}

/** Defaults of {@link TriggerOptions}. */
export const TRIGGER_DEFAULTS = {
  ...TRIGGER_PRIVACY_DEFAULTS,
  windowMs: MS.hour,
  liftThreshold: 2.0,
  ewmaAlpha: 0.3,
  warmupWindows: 3,
  minBaseline: 1,
  outputTopic: TOPICS.triggers,
} as const;

/** Totals of an open window of a key. */
export interface WindowState {
  boundedUnits: number;
  boundedBuyers: number;
  exactUnits: number;
  exactBuyers: number;
}

/** Reserved key of the partition-wide progress: closed-up-to per source and the open windows index. */
const PROGRESS_KEY = '\u0000trigger-progress';

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Keep a judged window's judgement and the baseline it leaves in the cell's state; the judgement if a trigger
 * fired (the caller emits it), else null (also for a window before the history began, which leaves nothing).
 */
export function firedJudgement<J extends { fired: boolean }>(
  state: KeyedState,
  judged: { judgement: J | null; baseline: unknown },
): J | null {
  if (judged.judgement === null) return null;
  state.put('lastJudgement', judged.judgement);
  state.put('baseline', judged.baseline);
  return judged.judgement.fired ? judged.judgement : null;
}

/**
 * What every fired trigger takes from its window and judgement (both trigger inputs): the window's bounds, the
 * released lift, baseline and observed value, and the host's exact view of the window (`hostOnly`).
 */
export function firedWindowFields(
  start: number,
  windowMs: number,
  judgement: { lift: number; baseline: number | null; observed: number },
  window: WindowState,
): Pick<Trigger, 'windowStart' | 'windowEnd' | 'lift' | 'baseline' | 'observed' | 'hostOnly'> {
  return {
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(start + windowMs).toISOString(),
    lift: round3(judgement.lift),
    baseline: round3(judgement.baseline ?? 0),
    observed: judgement.observed,
    hostOnly: {
      units: window.exactUnits,
      distinctBuyers: window.exactBuyers,
      boundedUnits: window.boundedUnits,
      boundedDistinctBuyers: window.boundedBuyers,
    },
  };
}

/** Judges one closed cell: reads its state, releases, emits. Called once per key and window. */
export type CellJudge = (
  ctx: ProcessorContext,
  key: string,
  windowStart: number,
  historyStart: number,
  window: WindowState,
) => void;

/** Create stage 2 (input: the demand topic written by stage 1). */
export function createTriggerProcessor(options: TriggerProcessorOptions): Processor<DemandRecord> {
  const { noiseKey, ...rest } = options;
  const settings = { ...TRIGGER_DEFAULTS, ...rest };
  const mechanism = createTriggerMechanism(noiseKey, settings);
  const judgeSettings: JudgeSettings = settings;

  const judge: CellJudge = (ctx, key, start, historyStart, window) => {
    const state = ctx.stateOf.forKey(key);
    // State written before the release was private holds exact totals and an EWMA of exact units: neither may
    // reach a release, so such a window counts as no clamped demand and such a baseline starts again.
    const stored = state.get<Partial<BaselineState>>('baseline');
    const judgement = firedJudgement(
      state,
      judgeWindow(
        {
          key,
          windowStart: start,
          boundedUnits: window.boundedUnits,
          boundedBuyers: window.boundedBuyers,
          baseline:
            stored !== undefined && 'foldedUpTo' in stored ? (stored as BaselineState) : EMPTY_BASELINE,
          historyStart,
        },
        judgeSettings,
        mechanism,
      ),
    );
    if (judgement === null) return;
    const [category = '', region = ''] = key.split('|');
    const windowStart = new Date(start).toISOString();
    const { hostOnly, ...fired } = firedWindowFields(start, settings.windowMs, judgement, window);
    const trigger: Trigger = {
      triggerId: `trigger:${category}:${region}:${windowStart}`,
      category,
      region,
      ...fired,
      distinctBuyers: judgement.distinctBuyers,
      mechanism: mechanism.parameters,
      hostOnly,
    };
    ctx.emit({ topic: settings.outputTopic, key, value: trigger, outputId: trigger.triggerId });
  };
  return createCellJudgeProcessor(settings.windowMs, judge);
}

/**
 * The window-completion machinery of stage 2 over any cell judge: partials add up per key and window, and once
 * every input partition of stage 1 closed a window, `judge` sees each of its open cells exactly once, in order.
 */
export function createCellJudgeProcessor(windowMs: number, judgeCell: CellJudge): Processor<DemandRecord> {
  const judge = (ctx: ProcessorContext, key: string, start: number, historyStart: number): void => {
    const state = ctx.stateOf.forKey(key);
    const window = state.get<Partial<WindowState>>(`window:${windowName(start)}`);
    state.deletePrefix(`window:${windowName(start)}`);
    state.deletePrefix(`seen:${windowName(start)}:`);
    if (!window) return;
    judgeCell(ctx, key, start, historyStart, {
      boundedUnits: window.boundedUnits ?? 0,
      boundedBuyers: window.boundedBuyers ?? 0,
      exactUnits: window.exactUnits ?? 0,
      exactBuyers: window.exactBuyers ?? 0,
    });
  };

  const onPartial = (partial: DemandPartial, ctx: ProcessorContext, progress: KeyedState): void => {
    const start = Date.parse(partial.windowStart);
    const judgedUpTo = progress.get<number>('judgedUpTo');
    if (judgedUpTo !== undefined && start <= judgedUpTo) return; // a re-send of a window already judged
    const seen = `seen:${windowName(start)}:${partial.partialId}`;
    if (ctx.state.get(seen) !== undefined) return; // a re-sent partial
    ctx.state.put(seen, 1);
    const name = `window:${windowName(start)}`;
    const stored = ctx.state.get<Partial<WindowState>>(name) ?? {};
    const window: WindowState = {
      boundedUnits: (stored.boundedUnits ?? 0) + partial.boundedUnits,
      boundedBuyers: (stored.boundedBuyers ?? 0) + partial.boundedBuyers,
      exactUnits: (stored.exactUnits ?? 0) + partial.exactUnits,
      exactBuyers: (stored.exactBuyers ?? 0) + partial.exactBuyers,
    };
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
    // The first completion fixes the history start (see the header): C + 2 windows.
    let historyStart = progress.get<number>('historyStart');
    if (historyStart === undefined) {
      historyStart = closedUpTo + 2 * windowMs;
      progress.put('historyStart', historyStart);
    }
    // Open windows sort by start (fixed-width names): judge every one up to the new completion, in order.
    for (const name of progress.names('open:')) {
      const [, startText = '', ...keyParts] = name.split(':');
      const windowStart = Number(startText);
      if (windowStart > closedUpTo) break;
      judge(ctx, keyParts.join(':'), windowStart, historyStart);
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
