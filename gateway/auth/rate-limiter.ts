/**
 * Per-partner request rate limits from the contract: a token bucket per partner refilled continuously at
 * `requestsPerMinute`. Host principals and contracts without a limit are not limited.
 */

/** A per-key token bucket limiter. */
export interface RateLimiter {
  /** Take one token for `key`; false when the bucket is empty. */
  tryTake(key: string, requestsPerMinute: number): boolean;
}

/** Create a limiter with an injectable clock (milliseconds). */
export function createRateLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    tryTake(key, requestsPerMinute) {
      const capacity = Math.max(1, requestsPerMinute);
      const current = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: current };
      const refilled = Math.min(capacity, bucket.tokens + ((current - bucket.at) * capacity) / 60_000);
      if (refilled < 1) {
        buckets.set(key, { tokens: refilled, at: current });
        return false;
      }
      buckets.set(key, { tokens: refilled - 1, at: current });
      return true;
    },
  };
}
