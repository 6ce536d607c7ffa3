/**
 * A token bucket per action: `rate` requests per second, bursts up to `rate`. The cloud limits VOD API
 * actions per second per account (100/s for ApplyUpload and CommitUpload).
 * @module
 */

export interface RateLimiter {
  /** Takes a token for `action`; false when the action is over its rate. */
  take(action: string): boolean;
}

export function createRateLimiter(rate: number, clock: () => number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(action) {
      if (!(rate > 0)) return true;
      const now = clock();
      const b = buckets.get(action) ?? { tokens: rate, at: now };
      b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
      b.at = now;
      buckets.set(action, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
