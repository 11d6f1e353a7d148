/** Small builders of result rows, so every suite states baselines, ratios and targets the same way. */
import { summarize } from '../../stats.ts';
import type { Summary } from '../../stats.ts';
import type { Figure } from '../../types.ts';

/** A target judged against a figure's median (or its ratio to the baseline). */
export interface TargetSpec {
  text: string;
  /** Which number the target is about (default: the figure's median). */
  on?: 'value' | 'ratio';
  atLeast?: number;
  atMost?: number;
}

/** Options of {@link figure}. */
export interface FigureOptions {
  baseline?: { name: string; value: Summary };
  target?: TargetSpec;
  note?: string;
}

/**
 * One results row. The ratio is value / baseline (medians); a target says met or not met from the numbers
 * measured in this run, never from a constant figure.
 */
export function figure(
  suite: string,
  name: string,
  unit: string,
  value: Summary,
  options: FigureOptions = {},
): Figure {
  const ratio = options.baseline
    ? options.baseline.value.median === 0
      ? Number.NaN
      : value.median / options.baseline.value.median
    : undefined;
  const row: Figure = { suite, name, unit, value };
  if (options.baseline) row.baseline = options.baseline;
  if (ratio !== undefined) row.ratio = ratio;
  if (options.note) row.note = options.note;
  if (options.target) {
    const judged = options.target.on === 'ratio' ? (ratio ?? Number.NaN) : value.median;
    const low = options.target.atLeast === undefined || judged >= options.target.atLeast;
    const high = options.target.atMost === undefined || judged <= options.target.atMost;
    row.target = { text: options.target.text, met: Number.isFinite(judged) && low && high };
  }
  return row;
}

/** A row for a figure that could not be measured in this run, with the reason; never a made-up number. */
export function notMeasured(
  suite: string,
  name: string,
  unit: string,
  reason: string,
  target?: string,
): Figure {
  const row: Figure = {
    suite,
    name,
    unit,
    value: summarize([Number.NaN]),
    note: `not measured: ${reason}`,
  };
  if (target) row.target = { text: target, met: false };
  return row;
}

/** A short description of an error for a "not measured" row. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 160) ?? 'unknown error';
}
