// support.yaml's stages as separate consumer groups on the real broker, the way separate processes
// run them (`weir run --stage fast`, `weir run --stage llm` twice): the llm stage scales out on its
// own, and every message still ends with one final result carrying all five agents' outputs.
import { describe, expect, test } from "bun:test";
import { StagedPipeline } from "../../../../engine/runtime/staged-pipeline.ts";
import { AGENTS } from "../../../../agents/index.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";
import { finalResults, supportTopology } from "../../../helpers/stages.ts";
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
    const ids = Array.from({ length: N }, (_, i) => `${prefix}-m${i}`);
    const producer = transports[0].producer();
    const reports = await producer.send(ids.map((id, i) => ({ topic: `${prefix}.messages`, key: `c${i % 20}`, value: JSON.stringify({ id, conversationId: `c${i % 20}`, tenant: "acme", text: `Hi, I was charged twice for order ${i}, email me at jane${i}@example.com. Please fix this quickly.` }) })));
    expect(reports.every((r) => !r.error)).toBe(true);

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
});
