// The pipeline on the in-process transport: per-key order, state, aggregation, dead letters,
// commits of processed offsets only, and state restored by a second instance.
import { describe, expect, test } from "bun:test";
import { createMemoryTransport, MemoryBroker } from "../../../../engine/transport/memory.ts";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";
import { consumeN, text } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { message, readResults, TEST_AGENTS, testTopology } from "../../../helpers/pipeline.ts";

const topics = (n: string) => ({ in: `${n}.in`, out: `${n}.out`, dlq: `${n}.dlq` });

/** Runs `topo` until `n` messages of conversation "conv" have results, then stops it; returns the producer. */
async function runFirst(topo: ReturnType<typeof testTopology>, t: ReturnType<typeof createMemoryTransport>, n: number) {
  const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
  await p.start();
  const producer = t.producer();
  await producer.send(Array.from({ length: n }, (_, i) => ({ topic: topo.sources[0].topic, key: "conv", value: JSON.stringify(message(i, "conv")) })));
  await waitFor(() => p.stats.results >= n, "first results");
  await p.stop();
  return producer;
}

describe("pipeline on the memory transport", () => {
  test("per-key order under concurrency, aggregation, and commits", async () => {
    const broker = new MemoryBroker();
    const t = createMemoryTransport(broker);
    const topo = testTopology("order", { ...topics("order"), concurrency: 16, delayMs: 3 });
    const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await p.start();
    const producer = t.producer();
    const N = 300;
    await producer.send(Array.from({ length: N }, (_, i) => ({ topic: "order.in", key: `c${i % 10}`, value: JSON.stringify(message(i, `c${i % 10}`)) })));
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["order.out"]);
    const out = await readResults(reader, N);
    expect(out.every((r) => r.status === "final" && r.version === 1)).toBe(true);
    // Per conversation, the counter saw its messages in production order.
    for (let c = 0; c < 10; c++) {
      const last = out.filter((r) => r.conversationId === `c${c}`).sort((a, b) => b.outputs.count.n - a.outputs.count.n)[0];
      const expected = Array.from({ length: N / 10 }, (_, k) => `m-${k * 10 + c}`);
      expect(last.outputs.count.seen).toEqual(expected);
      expect(last.outputs.count.n).toBe(N / 10);
    }
    expect(out.find((r) => r.messageId === "m-5").outputs.shout).toEqual({ text: "MESSAGE 5" });
    await waitFor(() => p.inFlight() === 0, "drain");
    await p.commit();
    const lagConsumer = t.consumer({ groupId: "g-order" });
    const offsets = await lagConsumer.committed([0, 1, 2].map((partition) => ({ topic: "order.in", partition })));
    const highs = await Promise.all([0, 1, 2].map((partition) => lagConsumer.watermarks("order.in", partition)));
    expect(offsets.map((o) => o.offset)).toEqual(highs.map((h) => h.high));
    expect(p.rollup("acme", "c3")?.messages).toBe(N / 10);
    await p.stop();
  });

  test("the W3C traceparent of an input record follows its result to the output topic", async () => {
    const t = createMemoryTransport();
    const p = new Pipeline({ topology: testTopology("trace", topics("trace")), transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await p.start();
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await t.producer().send([{ topic: "trace.in", key: "c1", value: JSON.stringify(message(1, "c1")), headers: { traceparent: tp } }]);
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["trace.out"]);
    const [out] = await consumeN(reader, 1);
    expect(text(out.headers.find(([k]) => k === "traceparent")![1])).toBe(tp);
    await p.stop();
  });

  test("a poison record lands in the dead-letter topic with its reason while the others flow", async () => {
    const t = createMemoryTransport();
    const p = new Pipeline({ topology: testTopology("poison", topics("poison")), transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await p.start();
    const producer = t.producer();
    await producer.send([
      { topic: "poison.in", key: "c1", value: JSON.stringify(message(1, "c1")) },
      { topic: "poison.in", key: "c1", value: JSON.stringify(message(2, "c1", "this one is POISON")) },
      { topic: "poison.in", key: "c1", value: "{not json" },
      { topic: "poison.in", key: "c1", value: JSON.stringify({ id: "x", text: "no conversation id" }) },
      { topic: "poison.in", key: "c1", value: JSON.stringify(message(3, "c1")) },
    ]);
    const dlq = t.consumer({ groupId: "dlq-reader" });
    dlq.subscribe(["poison.dlq"]);
    const dead = await consumeN(dlq, 3);
    const h = (m: (typeof dead)[number], k: string) => text(m.headers.find(([n]) => n === k)?.[1] ?? null);
    const byStage = Object.fromEntries(dead.map((m) => [`${h(m, "weir.dlq.stage")}:${h(m, "weir.dlq.error.code")}`, m]));
    expect(Object.keys(byStage).sort()).toEqual(["count:AGENT_FAILED", "source:SERDE_FAILED", "source:VALIDATION_FAILED"]);
    const poison = byStage["count:AGENT_FAILED"];
    expect(h(poison, "weir.dlq.attempts")).toBe("3");
    expect(JSON.parse(text(poison.value)!).id).toBe("m-2");
    const out = t.consumer({ groupId: "out-reader" });
    out.subscribe(["poison.out"]);
    const got = await readResults(out, 3);
    const m2 = got.find((r) => r.messageId === "m-2");
    expect(m2.failed).toEqual(["count"]);
    expect(got.map((r) => r.messageId).sort()).toEqual(["m-1", "m-2", "m-3"]);
    await waitFor(() => p.inFlight() === 0, "drain");
    await p.stop();
  });

  test("state survives a restart: a new instance restores it from the changelog", async () => {
    const broker = new MemoryBroker();
    const topo = testTopology("restart", topics("restart"));
    const producer = await runFirst(topo, createMemoryTransport(broker), 5);
    const t2 = createMemoryTransport(broker);
    const p2 = new Pipeline({ topology: topo, transport: t2, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await p2.start();
    await producer.send([{ topic: "restart.in", key: "conv", value: JSON.stringify(message(99, "conv")) }]);
    const reader = t2.consumer({ groupId: "reader" });
    reader.subscribe(["restart.out"]);
    const all = await readResults(reader, 6);
    const last = all.find((r) => r.messageId === "m-99");
    expect(last.outputs.count.n).toBe(6);
    expect(last.outputs.count.seen).toEqual(["m-0", "m-1", "m-2", "m-3", "m-4", "m-99"]);
    // Nothing was processed twice: the restarted instance began after the committed offsets.
    expect(p2.stats.consumed).toBe(1);
    await p2.stop();
  });

  test("state belongs to the consumer group: the same topology under another groupId starts empty", async () => {
    const t = createMemoryTransport(new MemoryBroker());
    const topo = testTopology("groups", topics("groups"));
    await runFirst(topo, t, 3);
    // A second deployment (say, staging) reads its own copy of the input under its own group.
    const other = { ...topo, sources: topo.sources.map((src) => ({ ...src, groupId: "g-groups-staging" })) };
    const p2 = new Pipeline({ topology: other, transport: t, agents: TEST_AGENTS, commitIntervalMs: 50 });
    await p2.start();
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["groups.out"]);
    const all = await readResults(reader, 6);
    const second = all.filter((r) => r.outputs.count.n !== undefined).sort((a, b) => b.outputs.count.n - a.outputs.count.n);
    // Had it shared the first group's changelog, the counter would reach 6.
    expect(second[0].outputs.count.n).toBe(3);
    expect(p2.stats.consumed).toBe(3);
    const topicsNow = await t.admin().listTopics();
    expect(topicsNow).toContain("g-groups-staging-count-changelog");
    await p2.stop();
  });

  test("the aggregator joins on its `by` field and rolls up on `rollup.by`", async () => {
    const t = createMemoryTransport();
    const topo = testTopology("joinby", topics("joinby"));
    topo.sources = topo.sources.map((src) => ({ ...src, schema: undefined }));
    topo.aggregator = { ...topo.aggregator!, by: "ref", rollup: { by: "thread" } };
    const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 20 });
    await p.start();
    await t.producer().send(Array.from({ length: 6 }, (_, i) => ({ topic: "joinby.in", key: "c", value: JSON.stringify({ ...message(i, "c"), ref: `r-${i}`, thread: `th-${i % 2}` }) })));
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["joinby.out"]);
    const out = await readResults(reader, 6);
    expect(out.map((r) => r.messageId).sort()).toEqual(["r-0", "r-1", "r-2", "r-3", "r-4", "r-5"]);
    expect(out.every((r) => r.status === "final" && r.conversationId === `th-${Number(r.messageId.slice(2)) % 2}`)).toBe(true);
    expect(p.rollup("acme", "th-1")?.messages).toBe(3);
    await p.stop();
  });

  test("an agent's maxInFlight stops the intake even below the pipeline's high watermark", async () => {
    const t = createMemoryTransport();
    const topo = testTopology("agentcap", { ...topics("agentcap"), partitions: 2, high: 1000, concurrency: 2, delayMs: 4 });
    topo.agents = topo.agents!.map((a) => (a.name === "count" ? { ...a, maxInFlight: 12 } : a));
    const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 20 });
    await p.start();
    await t.producer().send(Array.from({ length: 300 }, (_, i) => ({ topic: "agentcap.in", key: `k${i % 6}`, value: JSON.stringify(message(i, `k${i % 6}`)) })));
    let maxCount = 0;
    let maxTotal = 0;
    await waitFor(() => {
      maxCount = Math.max(maxCount, p.agentInFlight("count"));
      maxTotal = Math.max(maxTotal, p.inFlight());
      return p.stats.results >= 300;
    }, "all 300 results", 60_000, 1);
    expect(maxCount).toBeGreaterThan(0);
    expect(maxCount).toBeLessThanOrEqual(12);
    // The slow agent, not the watermark (1 000), is what held the intake back: beyond its 12, only
    // records finishing their sink writes were in flight.
    expect(maxTotal).toBeLessThan(50);
    expect(p.backpressured).toBeGreaterThan(0);
    await p.stop();
  });

  test("backpressure stops pulling while a slow agent works, so in-flight work stays bounded", async () => {
    const t = createMemoryTransport();
    const topo = testTopology("bp", { ...topics("bp"), partitions: 1, high: 20, concurrency: 2, delayMs: 4 });
    const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 20 });
    await p.start();
    const producer = t.producer();
    await producer.send(Array.from({ length: 400 }, (_, i) => ({ topic: "bp.in", key: `k${i % 4}`, value: JSON.stringify(message(i, `k${i % 4}`)) })));
    let maxInFlight = 0;
    await waitFor(() => {
      maxInFlight = Math.max(maxInFlight, p.inFlight());
      return p.stats.results >= 400;
    }, "all 400 results", 60_000, 2);
    // The loop only pulls as many records as fit under the high watermark (20).
    expect(maxInFlight).toBeLessThanOrEqual(20);
    expect(maxInFlight).toBeGreaterThan(0);
    expect(p.backpressured).toBeGreaterThan(0);
    await p.stop();
  });
});
