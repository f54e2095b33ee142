// support.yaml's two stages on the in-process transport: the fast stage hands pii's output to the
// llm stage over a topic, the summary comes back over another, and every message still gets one
// final result carrying every agent's output. The same runs on Kafka in
// test/integration/engine/runtime/stages-kafka.test.ts.
import { describe, expect, test } from "bun:test";
import { createMemoryTransport, MemoryBroker } from "../../../../engine/transport/memory.ts";
import { StagedPipeline } from "../../../../engine/runtime/staged-pipeline.ts";
import { AGENTS } from "../../../../agents/index.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { finalResults, supportTopology } from "../../../helpers/stages.ts";
import { consumeN } from "../../../helpers/kafka.ts";

describe("staged pipeline on the memory transport", () => {
  test("every message gets a final result with the summary computed in the other stage", async () => {
    const t = createMemoryTransport();
    const topology = supportTopology("mst");
    const run = new StagedPipeline({ topology, transport: t, agents: AGENTS, commitIntervalMs: 50 });
    expect(run.plans.map((p) => p.name)).toEqual(["fast", "llm"]);
    await run.start();
    const N = 40;
    const ids = Array.from({ length: N }, (_, i) => `m${i}`);
    await t.producer().send(ids.map((id, i) => ({ topic: "mst.messages", key: `c${i % 4}`, value: JSON.stringify({ id, conversationId: `c${i % 4}`, tenant: "acme", text: `My card 4111 1111 1111 1111 was charged twice for order ${i}. Please refund it today, this is frustrating.` }) })));
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["mst.insights"]);
    const results = await finalResults(reader, ids);
    for (const id of ids) {
      const r = results.get(id);
      expect(Object.keys(r.outputs).sort()).toEqual(["insights", "pii", "sentiment", "summary", "validator"]);
      // The llm stage summarised the redacted text the fast stage's pii agent produced.
      expect(JSON.stringify(r.outputs.summary)).not.toContain("4111");
    }
    const [fast, llm] = run.pipelines.map((p) => p.pipeline.stats);
    expect(llm.consumed).toBe(N);
    expect(fast.consumed).toBe(2 * N); // N messages + N summaries coming back
    // The crossing topic carries envelopes in the source record's partition.
    const tap = t.consumer({ groupId: "tap" });
    tap.subscribe(["mst.llm.pii"]);
    const crossed = await consumeN(tap, N);
    const envelope = JSON.parse(new TextDecoder().decode(crossed[0].value!));
    expect(Object.keys(envelope).sort()).toEqual(["key", "origin", "outputs", "v", "value"]);
    expect(crossed.every((m) => m.partition === JSON.parse(new TextDecoder().decode(m.value!)).origin.partition)).toBe(true);
    await run.stop();
  });

  test("an agent that fails for good in the llm stage: the join in the fast stage ends final, naming it failed", async () => {
    const t = createMemoryTransport();
    // The summary agent always fails (not retriable): it dead-letters in the llm stage.
    const broken = { ...AGENTS, summary: { ...AGENTS.summary, offline: () => { throw new WeirError("AGENT_FAILED", "summariser down"); } } };
    const topology = supportTopology("fail");
    const run = new StagedPipeline({ topology, transport: t, agents: broken as typeof AGENTS, commitIntervalMs: 50 });
    await run.start();
    const ids = ["f1", "f2", "f3"];
    await t.producer().send(ids.map((id) => ({ topic: "fail.messages", key: "c1", value: JSON.stringify({ id, conversationId: "c1", tenant: "acme", text: "My parcel never arrived. Please help me today." }) })));
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["fail.insights"]);
    const results = await finalResults(reader, ids, 30_000);
    for (const id of ids) {
      const r = results.get(id);
      // Version 1: final at once, not a partial at the 5 s deadline waiting for a summary that never comes.
      expect([r.status, r.version, r.missing, r.failed]).toEqual(["final", 1, [], ["summary"]]);
      expect(Object.keys(r.outputs).sort()).toEqual(["insights", "pii", "sentiment", "validator"]);
    }
    const dlq = t.consumer({ groupId: "dlq" });
    dlq.subscribe(["fail.dlq"]);
    const dead = await consumeN(dlq, 3);
    expect(dead.map((m) => new TextDecoder().decode(m.headers.find(([k]) => k === "weir.dlq.stage")?.[1] ?? new Uint8Array()))).toEqual(["summary", "summary", "summary"]);
    await run.stop();
  });

  test("embedded retention: a long run keeps partitions small and still loses no message", async () => {
    const broker = new MemoryBroker({ retainRecords: 100 });
    const t = createMemoryTransport(broker);
    const topology = supportTopology("ret");
    const run = new StagedPipeline({ topology, transport: t, agents: AGENTS, commitIntervalMs: 20 });
    await run.start();
    const N = 6000; // 1 000 a partition
    const ids = Array.from({ length: N }, (_, i) => `r${i}`);
    const p = t.producer();
    for (let i = 0; i < N; i += 100)
      await p.send(ids.slice(i, i + 100).map((id, k) => ({ topic: "ret.messages", key: `c${(i + k) % 8}`, value: JSON.stringify({ id, conversationId: `c${(i + k) % 8}`, tenant: "acme", text: `Order ${i + k} is late. Please check it today.` }) })));
    const reader = t.consumer({ groupId: "reader" });
    reader.subscribe(["ret.insights"]);
    const results = await finalResults(reader, ids, 60_000);
    expect(results.size).toBe(N);
    await run.stop();
    // Consumed-and-committed source and crossing records are gone: retention runs when a partition
    // holds twice its bound (on append and on commit), so one keeps at most 2 × 100.
    for (const topic of ["ret.messages", "ret.llm.pii", "ret.fast.summary"]) for (const part of broker.topics.get(topic)!.partitions) expect(part.log.length).toBeLessThanOrEqual(201);
    // The summary's compacted changelog still holds one record per conversation it saw.
    const changelog = [...broker.topics.keys()].find((k) => k.endsWith("-summary-changelog"))!;
    const keys = new Set(broker.topics.get(changelog)!.partitions.flatMap((part) => part.log.map((r) => new TextDecoder().decode(r.key!))));
    expect(keys.size).toBe(8);
  }, 60_000);

  test("--stage runs only the named stages; an unknown stage name is a clear error", () => {
    const topology = supportTopology("only");
    const llmOnly = new StagedPipeline({ topology, transport: createMemoryTransport(), agents: AGENTS, stages: ["llm"] });
    expect(llmOnly.pipelines.map((p) => p.stage)).toEqual(["llm"]);
    expect(() => new StagedPipeline({ topology, transport: createMemoryTransport(), agents: AGENTS, stages: ["slow"] })).toThrow(WeirError);
    expect(() => new StagedPipeline({ topology, transport: createMemoryTransport(), agents: AGENTS, stages: ["slow"] })).toThrow('unknown stage "slow"; the topology has "fast", "llm"');
  });
});
