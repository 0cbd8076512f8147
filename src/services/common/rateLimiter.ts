import { RateLimitedError } from "./errors.js";

/**
 * Per-key token buckets in memory: each key holds up to `burst` tokens, refilled at
 * `ratePerSecond`; a request takes one token or is refused with {@link RateLimitedError}.
 * Limits are per process (each replica enforces its own).
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ now: () => performance.now() });
 * limiter.take("gw", { ratePerSecond: 10, burst: 20 });
 * ```
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** Takes a token for `id`, or throws with the seconds to wait in `details.retryAfterSeconds`. */
  take(id: string, limit: { ratePerSecond: number; burst?: number }): void {
    const burst = limit.burst ?? Math.max(1, 2 * limit.ratePerSecond);
    const now = this.#now();
    const bucket = this.#buckets.get(id) ?? { tokens: burst, at: now };
    const tokens = Math.min(
      burst,
      bucket.tokens + ((now - bucket.at) / 1000) * limit.ratePerSecond,
    );
    if (tokens < 1) {
      this.#buckets.set(id, { tokens, at: now });
      const retryAfterSeconds = Math.ceil((1 - tokens) / limit.ratePerSecond);
      throw new RateLimitedError(`API key "${id}" is over its rate limit`, {
        details: { client: id, ratePerSecond: limit.ratePerSecond, burst, retryAfterSeconds },
        hint: `Slow down: wait ${retryAfterSeconds} s (Retry-After) and retry with the same Idempotency-Key.`,
      });
    }
    this.#buckets.set(id, { tokens: tokens - 1, at: now });
  }
}
