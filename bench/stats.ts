/** Small statistics for benchmark repetitions: median, spread and percentiles. */

/** Summary of repeated measurements of one figure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: how noisy the repetitions were. */
  relativeSpread: number;
  samples: number[];
}

/** The p-th percentile (0..100) of values, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Median, min, max and relative spread of samples. */
export function summarize(samples: readonly number[]): Summary {
  const median = percentile(samples, 50);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { median, min, max, relativeSpread: median === 0 ? 0 : (max - min) / median, samples: [...samples] };
}

/** Run `measure` `repetitions` times and summarize. */
export async function repeat(
  repetitions: number,
  measure: (rep: number) => Promise<number>,
): Promise<Summary> {
  const samples: number[] = [];
  for (let rep = 0; rep < repetitions; rep += 1) samples.push(await measure(rep));
  return summarize(samples);
}
