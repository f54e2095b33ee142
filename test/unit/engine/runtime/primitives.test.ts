// Runtime primitives on their own: offset tracking, retry back-off, dead letters.
import { describe, expect, test } from "bun:test";
import { OffsetTracker } from "../../../../engine/runtime/offset-tracker.ts";
import { retryDelayMs, RetriesExhausted, withRetry } from "../../../../engine/runtime/retry.ts";
import { deadLetter } from "../../../../engine/runtime/dead-letter.ts";
import { ManualClock } from "../../../../engine/clock.ts";
import { WeirError } from "../../../../engine/errors.ts";

describe("OffsetTracker", () => {
  test("empty: nothing to commit", () => {
    expect(new OffsetTracker().committable()).toEqual([]);
  });
  test("out-of-order completion commits only the contiguous prefix", () => {
    const t = new OffsetTracker();
    for (const o of [10, 11, 12, 13]) t.begin("in", 0, o);
    t.done("in", 0, 12);
    t.done("in", 0, 11);
    expect(t.committable()).toEqual([{ topic: "in", partition: 0, offset: 10 }]);
    t.done("in", 0, 10);
    expect(t.committable()).toEqual([{ topic: "in", partition: 0, offset: 13 }]);
    t.markCommitted([{ topic: "in", partition: 0, offset: 13 }]);
    expect(t.committable()).toEqual([]);
    t.done("in", 0, 13);
    expect(t.committable()).toEqual([{ topic: "in", partition: 0, offset: 14 }]);
    expect(t.inFlight()).toBe(0);
  });
  test("partitions are independent, and dropped ones are forgotten", () => {
    const t = new OffsetTracker();
    t.begin("in", 0, 5);
    t.begin("in", 1, 7);
    t.done("in", 1, 7);
    // Partition 0 may commit up to its first unfinished record (5), partition 1 past its last.
    expect(t.committable()).toEqual([{ topic: "in", partition: 0, offset: 5 }, { topic: "in", partition: 1, offset: 8 }]);
    expect(t.inFlight({ topic: "in", partition: 0 })).toBe(1);
    t.drop([{ topic: "in", partition: 0 }]);
    expect(t.inFlight()).toBe(0);
  });
});

describe("retry", () => {
  test("back-off is full jitter under an exponential cap", () => {
    const p = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 1000 };
    expect(retryDelayMs(p, 1, () => 0.999)).toBe(99);
    expect(retryDelayMs(p, 3, () => 0.999)).toBe(399);
    expect(retryDelayMs(p, 10, () => 0.999)).toBe(999);
    expect(retryDelayMs(p, 3, () => 0)).toBe(0);
  });
  test("retriable errors are retried up to the limit, then reported with the attempt count", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const run = withRetry(async () => {
      calls++;
      throw new WeirError("LLM_UNAVAILABLE", "down", { retriable: true });
    }, { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 10 }, clock);
    const settled = run.catch((e) => e);
    for (let i = 0; i < 10; i++) await clock.advance(10);
    const err = await settled;
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect(err.attempts).toBe(3);
    expect(calls).toBe(3);
  });
  test("non-retriable errors fail at once; success returns the value", async () => {
    const clock = new ManualClock();
    let calls = 0;
    await expect(withRetry(async () => (calls++, Promise.reject(new WeirError("VALIDATION_FAILED", "bad"))), { attempts: 5, initialBackoffMs: 1, maxBackoffMs: 1 }, clock)).rejects.toBeInstanceOf(RetriesExhausted);
    expect(calls).toBe(1);
    expect(await withRetry(async (n) => n * 2, { attempts: 0, initialBackoffMs: 1, maxBackoffMs: 1 }, clock)).toBe(2);
  });
});

describe("dead letters", () => {
  test("carry the original record and why it failed", () => {
    const r = deadLetter("dlq", { topic: "in", partition: 2, offset: 41, key: "k", value: "{}", headers: [["traceparent", new TextEncoder().encode("00-x")], ["weir.dlq.stage", new Uint8Array()]] }, "sentiment", new WeirError("AGENT_TIMEOUT", "slow"), 4);
    const h = Object.fromEntries((r.headers as Array<[string, string | Uint8Array]>).map(([k, v]) => [k, typeof v === "string" ? v : new TextDecoder().decode(v)]));
    expect(r).toMatchObject({ topic: "dlq", key: "k", value: "{}" });
    expect(h).toMatchObject({ traceparent: "00-x", "weir.dlq.stage": "sentiment", "weir.dlq.error.code": "AGENT_TIMEOUT", "weir.dlq.attempts": "4", "weir.dlq.source.topic": "in", "weir.dlq.source.partition": "2", "weir.dlq.source.offset": "41" });
  });
});
