// The one backoff formula: doubling from initialMs, capped at maxMs, optionally full jitter.
import { describe, expect, test } from "bun:test";
import { backoffMs } from "../../../engine/backoff.ts";

describe("backoffMs", () => {
  test("doubles from initialMs per attempt up to the cap", () => {
    const opts = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, opts))).toEqual([100, 200, 400, 800, 1_000]);
  });
  test("full jitter picks a whole number of milliseconds below the cap", () => {
    const opts = { initialMs: 100, maxMs: 1_000, jitter: "full" as const };
    expect(backoffMs(3, { ...opts, random: () => 0.999 })).toBe(399);
    expect(backoffMs(3, { ...opts, random: () => 0 })).toBe(0);
    expect(backoffMs(20, { ...opts, random: () => 0.5 })).toBe(500);
  });
  test("stays finite for huge attempts, and zero when there is no initial delay", () => {
    expect(backoffMs(5_000, { initialMs: 100, maxMs: 10_000 })).toBe(10_000);
    expect(backoffMs(3, { initialMs: 0, maxMs: 10_000 })).toBe(0);
    expect(backoffMs(0, { initialMs: 100, maxMs: 10_000 })).toBe(100);
  });
});
