// Token buckets for provider rate limits (requests per minute and tokens per minute). A 429's
// Retry-After blocks the bucket until then.
import type { Clock } from "../../engine/clock.ts";

export class TokenBucket {
  private tokens: number;
  private last: number;
  private blockedUntil = 0;
  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
    private readonly burst = perMinute,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }
  private refill() {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
    this.last = now;
  }
  /** Milliseconds until `n` tokens are available (0 = now). */
  waitMs(n = 1): number {
    this.refill();
    const blocked = Math.max(0, this.blockedUntil - this.clock.now());
    if (blocked) return blocked;
    if (this.tokens >= n) return 0;
    return Math.ceil(((n - this.tokens) * 60_000) / this.perMinute);
  }
  take(n = 1): boolean {
    if (this.waitMs(n) > 0) return false;
    this.tokens -= n;
    return true;
  }
  /** Honour a Retry-After. */
  block(ms: number) {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + ms);
  }
}
