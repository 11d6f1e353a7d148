/**
 * Judging one (category, region, window) cell on released values only. Pure functions, shared by stage 2
 * (trigger-processor.ts) and the statistical tests.
 *
 * The baseline of a key is an EWMA of the NOISED units U' of its earlier windows, so it is post-processing of
 * earlier releases and may itself be published. Every window from the stage's history start on enters it — a
 * window in which the key had no demand with its units noise alone (the same draw it would have had with
 * demand) — so neither the baseline nor the warm-up depends on whether a key happened to have a buyer in some
 * window: one buyer's effect on later windows is exactly its effect on one release. Warm-up therefore counts the
 * windows since the history start (public: it follows the watermark), not a key's own windows.
 */
import type { TriggerMechanism } from './trigger-mechanism.ts';

/** The decision rule (everything but the privacy settings). */
export interface JudgeSettings {
  windowMs: number;
  /** Fire when U' >= liftThreshold x max(baseline, minBaseline). */
  liftThreshold: number;
  /** EWMA weight of the newest window. */
  ewmaAlpha: number;
  /** Windows of history (since the history start) before a window may fire. */
  warmupWindows: number;
  /** Floor of the baseline in units. */
  minBaseline: number;
}

/** Baseline state of a key: the EWMA of noised units over the windows folded so far. */
export interface BaselineState {
  /** Null before the first window is folded. */
  ewma: number | null;
  /** Start of the last window folded (ms), or null. */
  foldedUpTo: number | null;
}

/** The judgement of one window, kept as the key's `lastJudgement` for inspection. */
export interface WindowJudgement {
  windowStart: number;
  /** U' and B', the released values. */
  observed: number;
  distinctBuyers: number;
  /** The EWMA the window was judged against (null without history). */
  baseline: number | null;
  /** U' / max(baseline, minBaseline). */
  lift: number;
  /** Windows of history behind the judgement. */
  historyWindows: number;
  fired: boolean;
}

/** A fresh baseline. */
export const EMPTY_BASELINE: BaselineState = { ewma: null, foldedUpTo: null };

function fold(baseline: BaselineState, units: number, windowStart: number, alpha: number): BaselineState {
  return {
    ewma: baseline.ewma === null ? units : alpha * units + (1 - alpha) * baseline.ewma,
    foldedUpTo: windowStart,
  };
}

/**
 * Folds every window from the key's last folded one (or `historyStart`) up to, not including, `windowStart`
 * with its noise alone: those windows had no demand for the key.
 */
export function catchUpBaseline(
  baseline: BaselineState,
  key: string,
  windowStart: number,
  historyStart: number,
  settings: JudgeSettings,
  mechanism: TriggerMechanism,
): BaselineState {
  return foldMissedWindows(baseline, windowStart, historyStart, settings.windowMs, (before, next) =>
    fold(before, mechanism.noisedUnits(key, next, 0), next, settings.ewmaAlpha),
  );
}

/** The cell and window a judge decides, with the baseline it had and when the stage's history began. */
export interface JudgedCell<Baseline> {
  key: string;
  windowStart: number;
  baseline: Baseline;
  historyStart: number;
}

/**
 * Fold each window from the one after `baseline.foldedUpTo` (or `historyStart`) up to, not including,
 * `windowStart` with `foldOne` (both trigger inputs fold a window without records with its noise alone).
 */
export function foldMissedWindows<B extends { foldedUpTo: number | null }>(
  baseline: B,
  windowStart: number,
  historyStart: number,
  windowMs: number,
  foldOne: (before: B, windowStart: number) => B,
): B {
  let caughtUp = baseline;
  let next = baseline.foldedUpTo === null ? historyStart : baseline.foldedUpTo + windowMs;
  for (; next < windowStart; next += windowMs) caughtUp = foldOne(caughtUp, next);
  return caughtUp;
}

/**
 * Judges the window at `windowStart` of `key` from its bounded units and buyers: draws U' and B', decides, and
 * returns the judgement with the baseline after folding U' in. Windows before `historyStart` are not judged (the
 * stage started after them) and leave the baseline alone.
 */
export function judgeWindow(
  input: JudgedCell<BaselineState> & { boundedUnits: number; boundedBuyers: number },
  settings: JudgeSettings,
  mechanism: TriggerMechanism,
): { judgement: WindowJudgement | null; baseline: BaselineState } {
  const { key, windowStart, historyStart } = input;
  if (windowStart < historyStart) return { judgement: null, baseline: input.baseline };
  const before = catchUpBaseline(input.baseline, key, windowStart, historyStart, settings, mechanism);
  const observed = mechanism.noisedUnits(key, windowStart, input.boundedUnits);
  const distinctBuyers = mechanism.noisedBuyers(key, windowStart, input.boundedBuyers);
  const historyWindows = Math.round((windowStart - historyStart) / settings.windowMs);
  // Without history (warm-up 0 and the first window) the baseline is zero, floored at minBaseline.
  const floored = Math.max(before.ewma ?? 0, settings.minBaseline);
  const lift = observed / floored;
  const fired =
    historyWindows >= settings.warmupWindows &&
    observed >= settings.liftThreshold * floored &&
    distinctBuyers >= mechanism.parameters.buyerThreshold;
  return {
    judgement: { windowStart, observed, distinctBuyers, baseline: before.ewma, lift, historyWindows, fired },
    baseline: fold(before, observed, windowStart, settings.ewmaAlpha),
  };
}
