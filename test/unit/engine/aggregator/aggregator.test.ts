import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ManualClock } from "../../../../engine/clock.ts";
import { Aggregator, type AggregatedResult } from "../../../../engine/aggregator/aggregator.ts";
import { ConversationRollups } from "../../../../engine/aggregator/rollups.ts";
import { AggregatedResultSchema, RollupSchema } from "../../../../engine/aggregator/schema.ts";

const msg = { id: "m-1", conversationId: "c-1", tenant: "acme", text: "I was charged twice and nobody answers" };
const cfg = { inputs: ["sentiment", "pii", "summary"], deadlineMs: 1000, quorum: 2 };
const checkResult = TypeCompiler.Compile(AggregatedResultSchema);

function setup() {
  const clock = new ManualClock(1_000);
  const out: AggregatedResult[] = [];
  const agg = new Aggregator(cfg, clock, (r) => out.push(r));
  return { clock, out, agg };
}

describe("Aggregator", () => {
  test("all inputs before the deadline → one final result, no timer left", async () => {
    const { clock, out, agg } = setup();
    agg.expect("m-1", msg);
    agg.offer("m-1", "sentiment", { score: -0.6 });
    agg.offer("m-1", "pii", { findings: [] });
    expect(out).toEqual([]);
    agg.offer("m-1", "summary", { summary: "double charge" });
    expect(clock.pending()).toBe(0);
    await clock.advance(5000);
    expect(out.map((r) => [r.version, r.status, r.missing])).toEqual([[1, "final", []]]);
    expect(out[0].outputs).toEqual({ sentiment: { score: -0.6 }, pii: { findings: [] }, summary: { summary: "double charge" } });
    expect(checkResult.Check(out[0])).toBe(true);
  });

  test("deadline with quorum → partial v1 naming the missing agent; the late output → final v2", async () => {
    const { clock, out, agg } = setup();
    agg.expect("m-1", msg);
    agg.offer("m-1", "sentiment", { score: -0.6 });
    agg.offer("m-1", "pii", { findings: [] });
    await clock.advance(999);
    expect(out).toEqual([]);
    await clock.advance(1);
    expect(out.map((r) => [r.version, r.status, r.missing])).toEqual([[1, "partial", ["summary"]]]);
    expect(agg.quorumMet(out[0])).toBe(true);
    agg.offer("m-1", "summary", { summary: "double charge" });
    expect(out.map((r) => [r.version, r.status, r.missing])).toEqual([[1, "partial", ["summary"]], [2, "final", []]]);
    expect(agg.inFlight()).toBe(0);
  });

  test("outputs from agents that are not inputs, or for unknown messages, are ignored", async () => {
    const { clock, out, agg } = setup();
    agg.offer("nope", "sentiment", {});
    agg.expect("m-1", msg);
    agg.offer("m-1", "translator", {});
    await clock.advance(1000);
    expect(out.map((r) => [r.status, r.missing, Object.keys(r.outputs)])).toEqual([["partial", cfg.inputs, []]]);
    expect(agg.quorumMet(out[0])).toBe(false);
  });
});

describe("ConversationRollups", () => {
  const result = (id: string, version: number, outputs: Record<string, unknown>): AggregatedResult => ({
    messageId: id, conversationId: "c-1", tenant: "acme", version, status: "final", missing: [], failed: [], outputs, message: msg,
  });

  test("folds sentiment, PII, intents, urgency and summary; amendments do not recount messages", () => {
    const r = new ConversationRollups();
    r.apply(result("m-1", 1, { sentiment: { score: -0.8 }, insights: { intent: "billing", urgency: "normal" } }), 10);
    r.apply(result("m-2", 1, { sentiment: { score: -0.4 }, pii: { findings: [{ type: "email" }] } }), 20);
    const last = r.apply(result("m-2", 2, { insights: { intent: "billing", urgency: "high" }, summary: { summary: "refund wanted" } }), 30);
    expect(last.messages).toBe(2);
    expect(last.sentiment.label).toBe("negative");
    expect(last.pii).toEqual({ seen: true, types: ["email"] });
    expect(last.intents).toEqual({ billing: 2 });
    expect(last.urgency).toBe("high");
    expect(last.summary).toBe("refund wanted");
    expect(TypeCompiler.Compile(RollupSchema).Check(last)).toBe(true);
  });

  test("snapshot and restore round-trip", () => {
    const a = new ConversationRollups();
    a.apply(result("m-1", 1, { sentiment: { score: 0.5 } }), 10);
    const b = new ConversationRollups();
    b.restore(JSON.parse(JSON.stringify(a.getPersistedSnapshot())));
    expect(b.get("acme", "c-1")).toEqual(a.get("acme", "c-1"));
    expect(b.get("globex", "c-1")).toBeUndefined();
  });
});
