/** Polling helpers for the bench (never bare sleeps for a condition). */

/** Resolve after `ms` milliseconds. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `check` every `intervalMs` until it is true; throws `message` after `timeoutMs`. With `tolerateErrors`, a
 * check that throws counts as "not yet" (e.g. a transient metadata error right after topics were created) and
 * the last error is named if time runs out.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; message: string; tolerateErrors?: boolean },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (!options.tolerateErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms: ${options.message}${cause}`);
    }
    await pause(options.intervalMs ?? 25);
  }
}
