/**
 * Pearson's chi-square goodness-of-fit test for an integer-valued sampler against an exact pmf on the
 * integers, with the tails beyond ±cutoff pooled so every bin expects at least `minExpected` draws.
 */

/** The upper-alpha quantile of the standard normal for the significance levels the tests use. */
const NORMAL_UPPER_QUANTILE: Readonly<Record<string, number>> = {
  '0.001': 3.090232306167813,
  '0.000001': 4.753424308822899,
};

/** Chi-square critical value by the Wilson–Hilferty approximation (accurate to ~1% for df >= 5). */
export function chiSquareCritical(degreesOfFreedom: number, alpha: number): number {
  const z = NORMAL_UPPER_QUANTILE[String(alpha)];
  if (z === undefined) throw new Error(`no normal quantile tabulated for alpha ${alpha}`);
  const k = degreesOfFreedom;
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
}

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  critical: number;
  cutoff: number;
  passes: boolean;
}

/**
 * `counts` maps each observed value to how often it was drawn; `pmf` is the exact symmetric pmf and
 * `tail(c)` = P(X > c).
 */
export function chiSquareSymmetric(
  counts: ReadonlyMap<number, number>,
  draws: number,
  pmf: (x: number) => number,
  tail: (cutoff: number) => number,
  alpha: number,
  minExpected = 5,
): ChiSquareResult {
  let cutoff = 0;
  while (draws * pmf(cutoff + 1) >= minExpected && draws * tail(cutoff + 1) >= minExpected) cutoff += 1;
  let statistic = 0;
  let bins = 0;
  const addBin = (observed: number, expected: number): void => {
    statistic += (observed - expected) ** 2 / expected;
    bins += 1;
  };
  for (let x = -cutoff; x <= cutoff; x += 1) addBin(counts.get(x) ?? 0, draws * pmf(x));
  let below = 0;
  let above = 0;
  for (const [value, count] of counts) {
    if (value < -cutoff) below += count;
    if (value > cutoff) above += count;
  }
  addBin(below, draws * tail(cutoff));
  addBin(above, draws * tail(cutoff));
  const degreesOfFreedom = bins - 1;
  const critical = chiSquareCritical(degreesOfFreedom, alpha);
  return { statistic, degreesOfFreedom, critical, cutoff, passes: statistic <= critical };
}
