// Per-tenant token buckets: `rate` requests per second sustained, `burst` at once. In-process —
// with several API processes each enforces its own share (documented in docs/api.md).
import type { Clock } from "../engine/clock.ts";

export interface RateLimitDecision {
  ok: boolean;
  /** Seconds until one request would be allowed (for Retry-After). */
  retryAfterS: number;
  remaining: number;
}

export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: Clock, private readonly rate: number, private readonly burst: number) {}

  /** Takes `cost` tokens from the tenant's bucket if it has them. */
  take(tenant: string, cost = 1): RateLimitDecision {
    if (this.rate <= 0) return { ok: true, retryAfterS: 0, remaining: Infinity };
    const now = this.clock.now();
    const b = this.buckets.get(tenant) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    this.buckets.set(tenant, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { ok: true, retryAfterS: 0, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((cost - b.tokens) / this.rate)), remaining: 0 };
  }
}
