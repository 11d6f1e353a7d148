/**
 * Judging one (region, window) foot-traffic cell on released values only: pure functions shared by the stage and
 * the tests.
 *
 * The purchase triggers' baseline (judge.ts) is an EWMA of the previous windows. Foot traffic has a strong daily
 * shape (quiet nights, a lunchtime and an after-work peak), so the previous hours are no baseline: every morning
 * would "surge" against the night. The baseline here is the same EWMA of noised values, kept per slot of a season —
 * with hourly windows and 24 windows a season, an EWMA of the same hour on earlier days. It is post-processing of
 * earlier releases, every window from the history start on is folded in (a window without records with its noise
 * alone, the same draw it would have had with records), and warm-up counts windows since the history start, so as
 * in judge.ts neither the baseline nor the warm-up depends on whether a region had records in some window.
 */
import type { FootTrafficMechanism } from './foot-traffic-mechanism.ts';
import { foldMissedWindows } from './judge.ts';
import type { JudgedCell } from './judge.ts';

/** The decision rule of foot-traffic surges. */
export interface FootTrafficJudgeSettings {
  windowMs: number;
  /** Fire when E' >= liftThreshold x max(baseline of the slot, minBaseline). */
  liftThreshold: number;
  /** EWMA weight of the newest window of a slot. */
  ewmaAlpha: number;
  /** Windows in one season (24 hourly windows: the baseline of an hour is that hour on earlier days). */
  seasonWindows: number;
  /** Windows of history before a window may fire (at least one season, so every slot has a baseline). */
  warmupWindows: number;
  /** Floor of the baseline in entries. */
  minBaseline: number;
}

/** The seasonal baseline of a region: an EWMA of noised entries per slot. */
export interface SeasonalBaseline {
  /** EWMA per slot (absent until the slot's first window is folded). */
  ewmaBySlot: Record<string, number>;
  /** Start of the last window folded (ms), or null. */
  foldedUpTo: number | null;
}

/** The judgement of one window. */
export interface FootTrafficJudgement {
  windowStart: number;
  /** E', the released value. */
  observed: number;
  /** The slot's EWMA the window was judged against (null before the slot had a window). */
  baseline: number | null;
  lift: number;
  historyWindows: number;
  fired: boolean;
}

/** A fresh seasonal baseline. */
export const EMPTY_SEASONAL_BASELINE: SeasonalBaseline = { ewmaBySlot: {}, foldedUpTo: null };

/** The slot of a window within its season (UTC-based; each region's own clock offset is constant). */
export function seasonSlot(windowStart: number, settings: FootTrafficJudgeSettings): number {
  const index = Math.floor(windowStart / settings.windowMs);
  return ((index % settings.seasonWindows) + settings.seasonWindows) % settings.seasonWindows;
}

function fold(
  baseline: SeasonalBaseline,
  entries: number,
  windowStart: number,
  settings: FootTrafficJudgeSettings,
): SeasonalBaseline {
  const slot = String(seasonSlot(windowStart, settings));
  const previous = baseline.ewmaBySlot[slot];
  const ewma =
    previous === undefined ? entries : settings.ewmaAlpha * entries + (1 - settings.ewmaAlpha) * previous;
  return { ewmaBySlot: { ...baseline.ewmaBySlot, [slot]: ewma }, foldedUpTo: windowStart };
}

/**
 * Judges the window at `windowStart` of `key` from its clamped entries: draws E', decides, and returns the
 * judgement with the baseline after folding E' in. Windows before `historyStart` are not judged.
 */
export function judgeFootTrafficWindow(
  input: JudgedCell<SeasonalBaseline> & { boundedEntries: number },
  settings: FootTrafficJudgeSettings,
  mechanism: FootTrafficMechanism,
): { judgement: FootTrafficJudgement | null; baseline: SeasonalBaseline } {
  const { key, windowStart, historyStart } = input;
  if (windowStart < historyStart) return { judgement: null, baseline: input.baseline };
  // Windows without records since the last fold enter the baseline with their noise alone.
  const before = foldMissedWindows(input.baseline, windowStart, historyStart, settings.windowMs, (b, next) =>
    fold(b, mechanism.noisedEntries(key, next, 0), next, settings),
  );
  const observed = mechanism.noisedEntries(key, windowStart, input.boundedEntries);
  const baseline = before.ewmaBySlot[String(seasonSlot(windowStart, settings))] ?? null;
  const historyWindows = Math.round((windowStart - historyStart) / settings.windowMs);
  const floored = Math.max(baseline ?? 0, settings.minBaseline);
  const lift = observed / floored;
  const fired =
    baseline !== null &&
    historyWindows >= settings.warmupWindows &&
    observed >= settings.liftThreshold * floored &&
    observed >= mechanism.parameters.entryThreshold;
  return {
    judgement: { windowStart, observed, baseline, lift, historyWindows, fired },
    baseline: fold(before, observed, windowStart, settings),
  };
}
