// The join's decisions, with no I/O: when a message's join publishes, what a late output does, and
// that replayed or repeated outputs never mint a version. The rollup fold counts each output once.
import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { offer, publish, published, resultOf, type JoinEntry } from "../../../../engine/aggregator/join-entry.ts";
import { foldRollup } from "../../../../agents/rollup.ts";
import { AggregatedResultSchema, RollupSchema, type AggregatedResultShape as AggregatedResult } from "../../../../engine/aggregator/schema.ts";

const spec = { inputs: ["pii", "sentiment", "summary"], conversationField: "conversationId" };
const msg = { id: "m-1", conversationId: "c-1", tenant: "acme", text: "I was charged twice and nobody answers" };
const checkResult = TypeCompiler.Compile(AggregatedResultSchema);

/** Offers in turn, publishing whenever the decision says so; returns the entry and the results. */
function run(steps: Array<[string, unknown, boolean?] | "deadline">, start?: JoinEntry) {
  let e = start;
  const out: AggregatedResult[] = [];
  let t = 0;
  for (const step of steps) {
    t += 10;
    if (step === "deadline") {
      if (e?.s !== "open") continue;
      const p = publish(spec, e, "m-1", t);
      e = published(p.entry);
      out.push(p.result);
      continue;
    }
    const d = offer(spec, e, step[0], step[1], !!step[2], msg, t);
    if (d.kind === "ignore") continue;
    if (d.kind === "store") e = d.entry;
    else {
      const p = publish(spec, d.entry, "m-1", t);
      e = published(p.entry);
      out.push(p.result);
    }
  }
  return { e, out };
}

describe("join entry", () => {
  test("empty: nothing offered, nothing published", () => {
    expect(run([]).out).toEqual([]);
  });

  test("all inputs → one final result v1, and the stored entry keeps only what stops a reopen", () => {
    const { e, out } = run([["pii", { findings: [] }], ["sentiment", { score: -0.6 }], ["summary", { summary: "double charge" }]]);
    expect(out.map((r) => [r.version, r.status, r.missing])).toEqual([[1, "final", []]]);
    expect(out[0].outputs).toEqual({ pii: { findings: [] }, sentiment: { score: -0.6 }, summary: { summary: "double charge" } });
    expect(out[0].message).toEqual(msg);
    expect(checkResult.Check(out[0])).toBe(true);
    expect(e).toEqual({ v: 1, s: "final", at: 30, w: 1 });
  });

  test("deadline → partial v1 naming the missing input; the late output → final v2", () => {
    const { out } = run([["pii", {}], ["sentiment", { score: 0.1 }], "deadline", ["summary", { summary: "s" }]]);
    expect(out.map((r) => [r.version, r.status, r.missing])).toEqual([
      [1, "partial", ["summary"]],
      [2, "final", []],
    ]);
  });

  test("a failed input counts as arrived and is named", () => {
    const { out } = run([["pii", {}], ["summary", null, true], ["sentiment", {}]]);
    expect(out.map((r) => [r.version, r.status, r.failed])).toEqual([[1, "final", ["summary"]]]);
  });

  test("replays change nothing: a repeated output, an output after final, an unknown input", () => {
    const first = run([["pii", {}], "deadline"]);
    // The same pii output again (a replay), and an input the join does not have.
    const again = run([["pii", { other: true }], ["translator", {}]], first.e);
    expect(again.out).toEqual([]);
    expect(again.e).toEqual(first.e);
    const done = run([["sentiment", {}], ["summary", {}]], first.e);
    expect(done.out.map((r) => r.version)).toEqual([2, 3]);
    expect(run([["summary", { late: true }], ["sentiment", {}]], done.e).out).toEqual([]);
  });

  test("the same stored entry always stands for the same result (a new owner republishes it unchanged)", () => {
    const d = offer(spec, undefined, "pii", { findings: [] }, false, msg, 5);
    if (d.kind !== "store") throw new Error("expected store");
    const p = publish(spec, d.entry, "m-1", 9);
    expect(p.entry.w).toBe(0);
    const copy = JSON.parse(JSON.stringify(p.entry)) as JoinEntry;
    expect(resultOf(spec, copy, "m-1")).toEqual(p.result);
  });
});

describe("rollup fold", () => {
  const result = (id: string, version: number, outputs: Record<string, unknown>): AggregatedResult => ({ messageId: id, conversationId: "c-1", tenant: "acme", version, status: "final", missing: [], failed: [], outputs, message: msg });

  test("folds only what is new in a version; a message counts once", () => {
    let r = foldRollup(undefined, result("m-1", 1, { sentiment: { score: -0.8 }, insights: { intent: "billing", urgency: "normal" } }), ["sentiment", "insights"], 10);
    r = foldRollup(r, result("m-2", 1, { sentiment: { score: -0.4 }, pii: { findings: [{ type: "email" }] } }), ["sentiment", "pii"], 20);
    // m-2's amendment carries sentiment again, but only insights and summary are new in it.
    r = foldRollup(r, result("m-2", 2, { sentiment: { score: -0.4 }, pii: { findings: [{ type: "email" }] }, insights: { intent: "billing", urgency: "high" }, summary: { summary: "refund wanted" } }), ["insights", "summary"], 30);
    expect(r.messages).toBe(2);
    expect(r.sentiment.trend).toEqual([-0.8, -0.4]);
    expect(r.sentiment.label).toBe("negative");
    expect(r.pii).toEqual({ seen: true, types: ["email"] });
    expect(r.intents).toEqual({ billing: 2 });
    expect(r.urgency).toBe("high");
    expect(r.summary).toBe("refund wanted");
    expect(r.updatedAt).toBe(30);
    expect(TypeCompiler.Compile(RollupSchema).Check(r)).toBe(true);
  });
});
