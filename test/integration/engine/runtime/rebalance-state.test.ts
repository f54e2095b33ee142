// Actor state follows its partition: when a second member joins and takes partitions from the
// first, the new owner restores each conversation's state from the changelog before processing, so
// counting continues where the old owner stopped (no reset, no double count, order kept).
import { describe, expect, test } from "bun:test";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { message, readResults, TEST_AGENTS, testTopology } from "../../../helpers/pipeline.ts";

describe("state on rebalance", () => {
  test("conversations moved to a new member keep counting from the old member's state", async () => {
    const base = uniqueTopic("rbst");
    const topo = testTopology(base.replace(/\./g, "-"), { in: `${base}.in`, out: `${base}.out`, dlq: `${base}.dlq`, partitions: 4 });
    const [ta, tb] = [kafka(), kafka()];
    const a = new Pipeline({ topology: topo, transport: ta, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await a.start();
    const producer = ta.producer();
    const CONVS = 12;
    const send = (from: number, count: number) => producer.send(Array.from({ length: count }, (_, k) => ({ topic: `${base}.in`, key: `c${(from + k) % CONVS}`, value: JSON.stringify(message(from + k, `c${(from + k) % CONVS}`)) })));
    await send(0, 10 * CONVS);
    await waitFor(() => a.stats.results >= 10 * CONVS, "A's first results", 60_000);
    expect(a.assignment().length).toBe(4);

    const b = new Pipeline({ topology: topo, transport: tb, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await b.start();
    await waitFor(() => a.assignment().length === 2 && b.assignment().length === 2, "partitions split two and two", 60_000);
    await send(10 * CONVS, 10 * CONVS);
    await waitFor(() => a.stats.results + b.stats.results >= 20 * CONVS, "second round of results", 60_000);

    const reader = ta.consumer({ groupId: `r-${base}` });
    reader.subscribe([`${base}.out`]);
    const out = await readResults(reader, 20 * CONVS, 60_000);
    // Conversations B now owns: their rollups live in B, and their counters went on from 10.
    const moved = Array.from({ length: CONVS }, (_, c) => `c${c}`).filter((c) => b.rollup("acme", c));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(CONVS);
    for (let c = 0; c < CONVS; c++) {
      const conv = `c${c}`;
      const counts = out.filter((r) => r.conversationId === conv).map((r) => r.outputs.count.n).sort((x: number, y: number) => x - y);
      expect(counts).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
      const last = out.find((r) => r.conversationId === conv && r.outputs.count.n === 20);
      // The state's history is the conversation's messages in production order, across both owners.
      expect(last.outputs.count.seen).toEqual(Array.from({ length: 20 }, (_, k) => `m-${k * CONVS + c}`));
    }
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([reader.close(), producer.close()]);
    await Promise.all([ta.close(), tb.close()]);
  }, 180_000);
});
