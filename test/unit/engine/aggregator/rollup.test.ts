// Rollup folds by name: the engine's `latest` (counts messages, keeps the latest output of each kept
// agent, folding only what is new in a version) and registered folds; an unknown name fails at start.
import { describe, expect, test } from "bun:test";
import { latestFold, registerRollupFold, rollupFold } from "../../../../engine/aggregator/rollup.ts";
import type { AggregatedResultShape as AggregatedResult } from "../../../../engine/aggregator/schema.ts";

const result = (id: string, version: number, outputs: Record<string, unknown>): AggregatedResult => ({ messageId: id, conversationId: "c-1", tenant: "acme", version, status: "final", missing: [], failed: [], outputs, message: {} });

describe("rollup folds", () => {
  test("latest: a message counts once; each kept agent's latest output, only when new in a version", () => {
    const fold = latestFold(["score"]);
    let r = fold(undefined, result("m-1", 1, { score: 1, other: "x" }), ["score", "other"], 10);
    r = fold(r, result("m-2", 1, { score: 2 }), ["score"], 20);
    // An amendment of m-1 that repeats score: it is not new in that version, so the latest stays m-2's.
    r = fold(r, result("m-1", 2, { score: 1, late: true }), ["late"], 30);
    expect(r).toEqual({ conversationId: "c-1", tenant: "acme", messages: 2, latest: { score: 2 }, updatedAt: 30 });
  });

  test("latest with no keep list keeps every input", () => {
    expect(latestFold()(undefined, result("m-1", 1, { a: 1, b: 2 }), ["a", "b"], 1).latest).toEqual({ a: 1, b: 2 });
  });

  test("a registered fold by name; an unknown name is a located TOPOLOGY_INVALID", () => {
    registerRollupFold("count-only", (prev, r, _fresh, now) => ({ conversationId: r.conversationId, tenant: r.tenant, messages: (prev?.messages ?? 0) + 1, updatedAt: now }));
    expect(rollupFold("count-only")(undefined, result("m", 1, {}), [], 5)).toEqual({ conversationId: "c-1", tenant: "acme", messages: 1, updatedAt: 5 });
    expect(() => rollupFold("nope")).toThrow(expect.objectContaining({ code: "TOPOLOGY_INVALID", message: expect.stringContaining('unknown fold "nope"') }));
  });
});
