// support.yaml's stages as separate consumer groups on the real broker, the way separate processes
// run them (`weir run --stage fast`, `weir run --stage llm` twice): the llm stage scales out on its
// own, and every message still ends with one final result carrying all five agents' outputs.
import { describe, expect, test } from "bun:test";
import { StagedPipeline } from "../../../../engine/runtime/staged-pipeline.ts";
import { AGENTS } from "../../../../agents/index.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";
import { finalResults, sendMessages, supportTopology } from "../../../helpers/stages.ts";
import { waitFor } from "../../../helpers/wait.ts";

describe("stages on Kafka", () => {
  test("fast and llm stages in separate groups, llm scaled to two members", async () => {
    const prefix = uniqueTopic("stg");
    const topology = supportTopology(prefix, (y) => y.replace("partitions: 6", "partitions: 4"));
    const transports = [kafka(), kafka(), kafka()];
    const fast = new StagedPipeline({ topology, transport: transports[0], agents: AGENTS, stages: ["fast"], commitIntervalMs: 200 });
    const llmA = new StagedPipeline({ topology, transport: transports[1], agents: AGENTS, stages: ["llm"], commitIntervalMs: 200 });
    const llmB = new StagedPipeline({ topology, transport: transports[2], agents: AGENTS, stages: ["llm"], commitIntervalMs: 200 });
    await fast.start();
    await llmA.start();
    await llmB.start();
    // Both llm members own part of the crossing topic before records flow.
    await waitFor(() => llmA.pipelines[0].pipeline.assignment().length > 0 && llmB.pipelines[0].pipeline.assignment().length > 0, "llm stage split between two members", 45_000);

    const N = 200;
    const producer = transports[0].producer();
    const ids = await sendMessages(producer, prefix, N, 20, (i) => `Hi, I was charged twice for order ${i}, email me at jane${i}@example.com. Please fix this quickly.`);

    const reader = transports[0].consumer({ groupId: `${prefix}-reader`, config: { "auto.offset.reset": "earliest" } });
    reader.subscribe([`${prefix}.insights`]);
    const results = await finalResults(reader, ids, 90_000);
    for (const id of ids) {
      const r = results.get(id);
      expect(Object.keys(r.outputs).sort()).toEqual(["insights", "pii", "sentiment", "summary", "validator"]);
      expect(JSON.stringify(r.outputs.summary)).not.toContain("@example.com");
    }
    const a = llmA.pipelines[0].pipeline.stats.consumed;
    const b = llmB.pipelines[0].pipeline.stats.consumed;
    // Each message crossed to the llm stage once, and both members took a share.
    expect(a + b).toBe(N);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    await reader.close();
    await producer.close();
    await Promise.all([fast.stop(), llmA.stop(), llmB.stop()]);
    await Promise.all(transports.map((t) => t.close()));
  }, 180_000);

  test("a join stage held at its watermark loses and repeats nothing: every message one final result", async () => {
    const prefix = uniqueTopic("hold");
    // Tiny watermarks: the fast stage holds its source again and again while summaries come back.
    const topology = supportTopology(prefix, (y) => y.replace("partitions: 6", "partitions: 3").replace(/backpressure: \{[^}]*\}/, "backpressure: { highWatermark: 40, lowWatermark: 20 }"));
    const t = kafka();
    const producer = t.producer();
    const N = 1500;
    await t.admin().createTopics([{ topic: `${prefix}.messages`, partitions: 3 }]);
    // Pre-loaded, so librdkafka has prefetched plenty when the first hold starts.
    const ids = await sendMessages(producer, prefix, N, 30, (i) => `My order ${i} arrived broken. Please send a replacement.`);
    const job = new StagedPipeline({ topology, transport: t, agents: AGENTS, commitIntervalMs: 200 });
    await job.start();
    const reader = t.consumer({ groupId: `${prefix}-reader`, config: { "auto.offset.reset": "earliest" } });
    reader.subscribe([`${prefix}.insights`]);
    const [fast, llm] = job.pipelines.map((p) => p.pipeline);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, fast.inFlight())), 1);
    const results = await finalResults(reader, ids, 120_000);
    clearInterval(sampler);
    expect(results.size).toBe(N);
    // Deferred records are let in no faster than the watermark allows (they were ~1 500 at once
    // before that was enforced); summaries coming back are read past it, so the bound is loose.
    expect(peak).toBeLessThan(400);
    expect(fast.backpressured).toBeGreaterThan(0);
    // Records prefetched before a hold were kept and ingested later, not dropped and fetched again.
    expect(fast.deferredRecords).toBeGreaterThan(0);
    // Each source record was ingested once (none dropped or repeated by a hold), each crossed once.
    await waitFor(() => fast.inFlight() === 0 && llm.inFlight() === 0, "drained", 30_000);
    expect(llm.stats.consumed).toBe(N);
    expect(fast.stats.consumed).toBe(2 * N);
    await reader.close();
    await producer.close();
    await job.stop();
    await t.close();
  }, 180_000);

  test("exactly-once across stages: each stage commits its crossing output and input offsets in one transaction", async () => {
    const prefix = uniqueTopic("eos-stg");
    const topology = supportTopology(prefix, (y) => y.replace("partitions: 6", "partitions: 3").replace("delivery: at-least-once", "delivery: exactly-once"));
    const t = kafka();
    const producer = t.producer();
    const N = 300;
    await t.admin().createTopics([{ topic: `${prefix}.messages`, partitions: 3 }]);
    const ids = await sendMessages(producer, prefix, N, 30, (i) => `My order ${i} arrived broken. Please send a replacement.`);
    const job = new StagedPipeline({ topology, transport: t, agents: AGENTS, commitIntervalMs: 200 });
    await job.start();
    // read_committed: only what the stages' transactions committed is visible.
    const reader = t.consumer({ groupId: `${prefix}-reader`, config: { "auto.offset.reset": "earliest", "isolation.level": "read_committed" } });
    reader.subscribe([`${prefix}.insights`]);
    const results = await finalResults(reader, ids, 90_000);
    expect(results.size).toBe(N);
    const [fast, llm] = job.pipelines.map((p) => p.pipeline);
    await waitFor(() => fast.inFlight() === 0 && llm.inFlight() === 0, "drained", 30_000);
    expect(llm.stats.consumed).toBe(N);
    await reader.close();
    await producer.close();
    await job.stop();
    await t.close();
  }, 120_000);
});
