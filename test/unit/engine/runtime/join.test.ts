// The join as partition-owned state: a member that takes a partition over continues its joins from
// the changelog. It republishes, unchanged, a version that may not have reached the sinks, amends a
// published partial when the late input arrives (v2, never a second v1), and publishes open joins
// as partial only after a whole deadline from the handover. Memory transport, ManualClock.
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../../../engine/clock.ts";
import { logger } from "../../../../engine/log.ts";
import { Join } from "../../../../engine/runtime/join.ts";
import { foldRollup } from "../../../../agents/rollup.ts";
import type { RollupFold } from "../../../../engine/contracts/rollup.ts";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import type { AggregatedResultShape as AggregatedResult } from "../../../../engine/aggregator/schema.ts";

const msg = { id: "m-1", conversationId: "c-1", tenant: "acme", text: "charged twice" };

function member(transport: ReturnType<typeof createMemoryTransport>, clock: ManualClock, name: string) {
  const out: Array<{ member: string; r: AggregatedResult; rev?: number }> = [];
  const producer = transport.producer();
  const join = new Join({
    inputs: ["pii", "sentiment", "summary"],
    deadlineMs: 5_000,
    retentionMs: 60_000,
    conversationField: "conversationId",
    rollup: foldRollup as unknown as RollupFold,
    changelog: (kind) => `g-results-${kind}-changelog`,
    transport,
    producer: () => producer,
    clock,
    log: logger("test"),
    emit: async (r, rollup) => void out.push({ member: name, r, rev: rollup?.revision }),
    closed: () => false,
  });
  const assign = async (p: number) => {
    for (const s of join.stores()) await s.restore(p, "g");
    join.assigned(p);
  };
  const flush = () => Promise.all(join.stores().map((s) => s.flush()));
  return { join, out, assign, flush };
}

describe("join handover", () => {
  test("open join: the new owner completes it — one final v1, no partial", async () => {
    const transport = createMemoryTransport();
    const clock = new ManualClock(0);
    const a = member(transport, clock, "a");
    await a.assign(0);
    a.join.offer(0, "m-1", "pii", { findings: [] }, false, msg);
    a.join.offer(0, "m-1", "sentiment", { score: -0.5 }, false, msg);
    await a.flush(); // a commit, then a dies
    a.join.stop();
    await clock.advance(4_000);
    const b = member(transport, clock, "b");
    await b.assign(0);
    expect(b.join.openJoins()).toBe(1);
    // The old deadline (5 s from the first input) has passed by now; the handover grants a new one.
    await clock.advance(2_000);
    expect(b.out).toEqual([]);
    await b.join.offer(0, "m-1", "summary", { summary: "double charge" }, false, msg);
    expect(b.out.map((o) => [o.r.version, o.r.status, Object.keys(o.r.outputs)])).toEqual([[1, "final", ["pii", "sentiment", "summary"]]]);
    b.join.stop();
  });

  test("published partial not confirmed: the new owner republishes it unchanged, then the late input makes v2", async () => {
    const transport = createMemoryTransport();
    const clock = new ManualClock(0);
    const a = member(transport, clock, "a");
    await a.assign(0);
    a.join.offer(0, "m-1", "pii", { findings: [] }, false, msg);
    a.join.offer(0, "m-1", "sentiment", { score: -0.5 }, false, msg);
    await clock.advance(5_000); // deadline: a publishes v1 partial (written ahead to the changelog)
    await new Promise((r) => setTimeout(r, 20));
    expect(a.out.map((o) => [o.r.version, o.r.status])).toEqual([[1, "partial"]]);
    // a dies before its next commit: the confirmation (w = 1) never reached the changelog.
    a.join.stop();
    const b = member(transport, clock, "b");
    await b.assign(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.out.map((o) => o.r)).toEqual([a.out[0].r]);
    expect(b.out[0].rev).toBe(a.out[0].rev);
    await b.join.offer(0, "m-1", "summary", { summary: "s" }, false, msg);
    // A replayed output changes nothing.
    expect(b.join.offer(0, "m-1", "pii", { findings: [] }, false, msg)).toBeUndefined();
    expect(b.out.map((o) => [o.r.version, o.r.status, o.rev])).toEqual([
      [1, "partial", 1],
      [2, "final", 2],
    ]);
    // The rollup counted the message once and folded the summary once.
    expect(b.join.rollup("acme", "c-1", [0])).toMatchObject({ messages: 1, summary: "s", sentiment: { trend: [-0.5] } });
    b.join.stop();
  });

  test("a final join stays final for the next owner: late copies publish nothing", async () => {
    const transport = createMemoryTransport();
    const clock = new ManualClock(0);
    const a = member(transport, clock, "a");
    await a.assign(0);
    a.join.offer(0, "m-1", "pii", {}, false, msg);
    a.join.offer(0, "m-1", "sentiment", {}, false, msg);
    await a.join.offer(0, "m-1", "summary", {}, false, msg);
    await a.flush();
    a.join.stop();
    const b = member(transport, clock, "b");
    await b.assign(0);
    expect(b.join.offer(0, "m-1", "summary", { again: true }, false, msg)).toBeUndefined();
    await clock.advance(10_000);
    expect(b.out).toEqual([]);
    expect(a.out.map((o) => o.r.version)).toEqual([1]);
    b.join.stop();
  });
});
