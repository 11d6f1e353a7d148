/** Polling instead of sleeping: tests wait for a condition, never for a fixed time. */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  timeout?: number;
  /** Pause between tries (default 20 ms). */
  interval?: number;
  /** Named in the timeout error. */
  message?: string;
}

/**
 * Calls `check` until it returns a truthy value without throwing, and returns that value. A check may throw
 * (an `expect` that does not hold yet); the last error is rethrown when the time runs out.
 *
 * @example await waitFor(() => seen.length === 100, { timeout: 5_000 });
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitForOptions = {}): Promise<T> {
  const timeout = options.timeout ?? 10_000;
  const interval = options.interval ?? 20;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      if (lastError !== undefined) throw lastError;
      throw new Error(`waitFor: ${options.message ?? 'condition'} not met within ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
