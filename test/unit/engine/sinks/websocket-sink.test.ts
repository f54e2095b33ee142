import { expect, test } from "bun:test";
import type { StreamEvent } from "../../../../api/schemas.ts";
import { WebSocketSink } from "../../../../engine/sinks/websocket-sink.ts";

// Without a store the sink numbers events itself; the hub side is covered in test/integration/api.
test("without a store: insights get increasing seqs, rollups carry the latest one", async () => {
  const events: StreamEvent[] = [];
  const sink = new WebSocketSink({ publish: (e) => events.push(e) });
  const rec = (key: string, kind: string, version = 1) => ({ key, tenant: "acme", version, kind, headers: {}, timestamp: 1, value: { conversationId: "c-1", status: "final" } });
  await sink.write([rec("m-1", "message"), rec("m-1", "message", 2), rec("c-1", "rollup"), rec("x", "alert")]);
  expect(events.map((e) => [e.type, e.seq, e.conversationId])).toEqual([["insight", 1, "c-1"], ["insight", 2, "c-1"], ["rollup", 2, "c-1"]]);
});

// The runtime hands a result and its rollup to the sink at the same time; the store write of the
// insight takes a while. The rollup must still come after its insight, with that insight's seq,
// and with its score rounded for people.
test("with a store: a rollup handed over together with its insight follows it and carries its seq", async () => {
  const { MemoryStore } = await import("../../../../persistence/memory-store.ts");
  const store = new MemoryStore();
  const slow = Object.create(store) as typeof store;
  slow.upsertInsight = async (tenant, r) => {
    await new Promise((res) => setTimeout(res, 20));
    return store.upsertInsight(tenant, r);
  };
  const events: StreamEvent[] = [];
  const sink = new WebSocketSink({ publish: (e) => events.push(e) }, slow);
  const msg = (id: string, conv: string) => ({ key: id, tenant: "acme", version: 1, kind: "message", headers: {}, timestamp: 1, value: { messageId: id, conversationId: conv, status: "final" } });
  const rollup = (conv: string, score: number) => ({ key: conv, tenant: "acme", version: 1, kind: "rollup", headers: {}, timestamp: 1, value: { conversationId: conv, sentiment: { score, label: "negative", trend: [] } } });
  // As the runtime does: each record in its own write call, concurrently.
  await Promise.all([sink.write([msg("m-1", "c-1")]), sink.write([rollup("c-1", -0.7173999999999999)]), sink.write([msg("m-2", "c-2")]), sink.write([rollup("c-2", 0.1)])]);
  const byConv = (c: string) => events.filter((e) => e.conversationId === c).map((e) => [e.type, e.seq]);
  const seq1 = events.find((e) => e.type === "insight" && e.conversationId === "c-1")!.seq;
  const seq2 = events.find((e) => e.type === "insight" && e.conversationId === "c-2")!.seq;
  expect(byConv("c-1")).toEqual([["insight", seq1], ["rollup", seq1]]);
  expect(byConv("c-2")).toEqual([["insight", seq2], ["rollup", seq2]]);
  expect((events.find((e) => e.type === "rollup" && e.conversationId === "c-1")!.data as { sentiment: { score: number } }).sentiment.score).toBe(-0.717);
});
