/** Small helpers over ascending arrays of event times (ms), the building block of sliding windows. */

/** Index of the first element >= value. */
export function lowerBound(times: readonly number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((times[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first element > value. */
export function upperBound(times: readonly number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((times[mid] as number) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inserts a time keeping the array ascending (events mostly arrive in order, so this is usually a push). */
export function insertTime(times: number[], value: number): void {
  const last = times[times.length - 1];
  if (last === undefined || last <= value) times.push(value);
  else times.splice(upperBound(times, value), 0, value);
}

/** Number of times within [from, to], both ends included. */
export function countBetween(times: readonly number[], from: number, to: number): number {
  return upperBound(times, to) - lowerBound(times, from);
}

/** Drops times before `from` (in place); returns how many were dropped. */
export function dropBefore(times: number[], from: number): number {
  const cut = lowerBound(times, from);
  if (cut > 0) times.splice(0, cut);
  return cut;
}

/** The median of a non-empty list of numbers (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
