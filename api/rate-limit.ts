// Token buckets per caller: `rate` messages per second sustained, `burst` at once. A caller is a
// tenant (authenticated) or a client address (when authentication failed), so rejected requests
// count too. Every request costs one token when it arrives, before its body is read; a batch
// then costs one more per message after the first. A request is admitted while the bucket holds
// at least one token, and its whole cost is taken even if that leaves the bucket in debt — so a
// batch larger than `burst` is possible, but the caller then waits until the debt is paid back,
// and the sustained rate is `rate` messages per second however they are packed. In-process:
// with several API processes each enforces its own share (docs/security.md).
import type { Clock } from "../engine/clock.ts";

export interface RateLimitDecision {
  ok: boolean;
  /** Seconds until one request would be allowed (for Retry-After). */
  retryAfterS: number;
  /** Whole tokens left (0 when in debt). */
  remaining: number;
}

const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: Clock, private readonly rate: number, private readonly burst: number) {}

  get enabled(): boolean {
    return this.rate > 0;
  }

  private bucket(caller: string) {
    const now = this.clock.now();
    let b = this.buckets.get(caller);
    if (!b) {
      // Bounded: a flood of distinct addresses cannot grow the map without end. A full bucket is
      // the same as no bucket, so dropping the oldest entries loses at most some debt.
      if (this.buckets.size >= MAX_BUCKETS) for (const k of [...this.buckets.keys()].slice(0, MAX_BUCKETS / 10)) this.buckets.delete(k);
      b = { tokens: this.burst, at: now };
      this.buckets.set(caller, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    return b;
  }

  private decision(b: { tokens: number }, ok: boolean): RateLimitDecision {
    return { ok, retryAfterS: ok ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.rate)), remaining: Math.max(0, Math.floor(b.tokens)) };
  }

  /** Admits a request if the caller's bucket holds at least one token, and takes `cost` tokens. */
  take(caller: string, cost = 1): RateLimitDecision {
    if (!this.enabled) return { ok: true, retryAfterS: 0, remaining: Infinity };
    const b = this.bucket(caller);
    if (b.tokens < 1) return this.decision(b, false);
    b.tokens -= cost;
    return this.decision(b, true);
  }

  /** Takes `cost` more tokens for a request already admitted (the rest of a batch); never refuses. */
  charge(caller: string, cost: number): RateLimitDecision {
    if (!this.enabled) return { ok: true, retryAfterS: 0, remaining: Infinity };
    const b = this.bucket(caller);
    b.tokens -= Math.max(0, cost);
    return this.decision(b, true);
  }
}
