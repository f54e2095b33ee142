// /ready's stall probe: not ready, with the reason, once records wait and none finishes for the
// stall window; ready again as soon as one finishes or nothing waits.
import { describe, expect, test } from "bun:test";
import { ProgressWatch, type ProgressSample } from "../../../app/progress-watch.ts";

function setup() {
  let now = 1_000_000;
  let sample: ProgressSample = { done: 0, lag: 0 };
  const watch = new ProgressWatch({ stallMs: 60_000, now: () => now, sample: async () => sample, figures: () => ({ consumed: 7 }) });
  return { watch, at: (ms: number, s: ProgressSample) => ((now += ms), (sample = s), watch.check()) };
}

describe("ProgressWatch", () => {
  test("idle (no lag) is ready however long nothing finishes", async () => {
    const { watch, at } = setup();
    await at(0, { done: 5, lag: 0 });
    await at(10 * 60_000, { done: 5, lag: 0 });
    expect(watch.probe()).toEqual({ name: "pipeline", ok: true, detail: { consumed: 7, lag: 0 } });
  });

  test("lag with nothing finishing for the window is not ready, with the reason", async () => {
    const { watch, at } = setup();
    await at(0, { done: 5, lag: 0 });
    await at(1_000, { done: 5, lag: 3 });
    await at(30_000, { done: 5, lag: 12 });
    expect(watch.probe().ok).toBe(true);
    await at(30_000, { done: 5, lag: 40 });
    expect(watch.probe()).toEqual({
      name: "pipeline",
      ok: false,
      detail: { consumed: 7, lag: 40, reason: "no record finished for 61 s while 40 records wait; see the error lines in the log" },
    });
  });

  test("slow progress is progress: one record finishing resets the window", async () => {
    const { watch, at } = setup();
    await at(0, { done: 5, lag: 100 });
    await at(50_000, { done: 6, lag: 100 });
    await at(50_000, { done: 6, lag: 100 });
    expect(watch.probe().ok).toBe(true);
    await at(20_000, { done: 7, lag: 0 });
    expect(watch.probe().ok).toBe(true);
  });

  test("unknown lag never reports a stall", async () => {
    const { watch, at } = setup();
    await at(0, { done: 1, lag: undefined });
    await at(120_000, { done: 1, lag: undefined });
    expect(watch.probe()).toMatchObject({ ok: true, detail: { lag: null } });
  });
});
