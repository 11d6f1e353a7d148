/**
 * A count that decays with a half-life of event time, kept as its value at the latest time it saw. Adding at an
 * earlier time (an out-of-order record) adds the decayed amount, so the result does not depend on arrival order
 * beyond rounding.
 */

/** A decayed count: `value` as of `atMs`. */
export interface DecayedCount {
  value: number;
  atMs: number;
}

const decay = (elapsedMs: number, halfLifeMs: number): number => 2 ** (-Math.max(0, elapsedMs) / halfLifeMs);

/** The count's value at `atMs` (never decayed backwards: an earlier time reads the stored value). */
export function decayedValue(count: DecayedCount, atMs: number, halfLifeMs: number): number {
  return count.value * decay(atMs - count.atMs, halfLifeMs);
}

/** Add `amount` at `atMs`. */
export function addDecayed(
  count: DecayedCount,
  amount: number,
  atMs: number,
  halfLifeMs: number,
): DecayedCount {
  if (atMs >= count.atMs) return { value: decayedValue(count, atMs, halfLifeMs) + amount, atMs };
  return { value: count.value + amount * decay(count.atMs - atMs, halfLifeMs), atMs: count.atMs };
}
