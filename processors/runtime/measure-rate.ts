/** The clock of the in-memory benchmarks of one stage's engine (`measureFraudDetector`, `measureAttributionEngine`). */

/** How long a run took and how many items per second it handled. */
export interface MeasuredRate {
  elapsedMs: number;
  perSecond: number;
}

/**
 * Runs `work`, which returns how many items it handled, and times it.
 *
 * @example const { elapsedMs, perSecond } = measureRate(() => { for (const event of events) observe(event); return events.length; });
 */
export function measureRate(work: () => number): MeasuredRate {
  const started = performance.now();
  const handled = work();
  const elapsedMs = performance.now() - started;
  return { elapsedMs, perSecond: elapsedMs > 0 ? (handled / elapsedMs) * 1000 : 0 };
}
