// Token buckets with debt: one token admits a request, its whole cost is taken, and the caller then
// waits until the debt is paid back — so batches cannot exceed the sustained rate.
import { describe, expect, test } from "bun:test";
import { RateLimiter } from "../../../api/rate-limit.ts";
import { ManualClock } from "../../../engine/clock.ts";

describe("RateLimiter", () => {
  test("burst, then refusal with Retry-After, then refill", async () => {
    const clock = new ManualClock(0);
    const l = new RateLimiter(clock, 1, 2);
    expect(l.take("tenant:acme")).toEqual({ ok: true, retryAfterS: 0, remaining: 1 });
    expect(l.take("tenant:acme").ok).toBe(true);
    expect(l.take("tenant:acme")).toEqual({ ok: false, retryAfterS: 1, remaining: 0 });
    expect(l.take("tenant:globex").ok).toBe(true);
    await clock.advance(1000);
    expect(l.take("tenant:acme").ok).toBe(true);
  });

  test("a batch larger than the burst is charged in full: the caller waits until the debt is repaid", async () => {
    const clock = new ManualClock(0);
    const l = new RateLimiter(clock, 10, 20);
    expect(l.take("tenant:acme").ok).toBe(true);
    l.charge("tenant:acme", 199); // a batch of 200
    const refused = l.take("tenant:acme");
    expect(refused).toEqual({ ok: false, retryAfterS: 19, remaining: 0 }); // 180 tokens of debt at 10/s
    await clock.advance(18_000);
    expect(l.take("tenant:acme").ok).toBe(false);
    await clock.advance(1_000);
    expect(l.take("tenant:acme").ok).toBe(true);
  });

  test("rate 0 disables limiting", () => {
    const l = new RateLimiter(new ManualClock(0), 0, 0);
    expect(l.take("tenant:acme", 1000).ok).toBe(true);
  });
});
