// The pipeline on the real broker: per-key order, dead letters, state restored after a restart,
// two instances sharing partitions (scale-out and in) with nothing lost, and exactly-once output.
import { afterAll, describe, expect, test } from "bun:test";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";
import { kafka, text, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { message, readResults, TEST_AGENTS, testTopology } from "../../../helpers/pipeline.ts";

const t = kafka();
afterAll(async () => {
  await t.close();
});

function names(tag: string) {
  const base = uniqueTopic(tag);
  return { in: `${base}.in`, out: `${base}.out`, dlq: `${base}.dlq`, name: base.replace(/\./g, "-") };
}

describe("pipeline on Kafka", () => {
  test("per-key order, aggregation, a poison record to the DLQ, and state after a restart", async () => {
    const n = names("pipe");
    const topo = testTopology(n.name, { in: n.in, out: n.out, dlq: n.dlq, concurrency: 8, delayMs: 2 });
    const p1 = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await p1.start();
    const producer = t.producer();
    const N = 120;
    await producer.send(Array.from({ length: N }, (_, i) => ({ topic: n.in, key: `c${i % 4}`, value: JSON.stringify(message(i, `c${i % 4}`, i === 7 ? "POISON pill" : `message ${i}`)) })));
    const reader = t.consumer({ groupId: `r-${n.name}` });
    reader.subscribe([n.out]);
    const first = await readResults(reader, N, 60_000);
    const poisoned = first.find((r) => r.messageId === "m-7");
    expect(poisoned.failed).toEqual(["count"]);
    for (let c = 0; c < 4; c++) {
      const last = first.filter((r) => r.conversationId === `c${c}` && r.outputs.count).sort((a, b) => b.outputs.count.n - a.outputs.count.n)[0];
      const expected = Array.from({ length: N / 4 }, (_, k) => `m-${k * 4 + c}`).filter((id) => id !== "m-7");
      expect(last.outputs.count.seen).toEqual(expected);
    }
    const dlq = t.consumer({ groupId: `d-${n.name}` });
    dlq.subscribe([n.dlq]);
    const dead = await waitFor(async () => (await dlq.consume(10, 200))[0], "the dead letter");
    expect(JSON.parse(text(dead.value)!).id).toBe("m-7");
    expect(text(dead.headers.find(([k]) => k === "weir.dlq.error.code")![1])).toBe("AGENT_FAILED");
    await p1.stop();

    // A new instance (a restart) restores state from the changelog and resumes after the commits.
    const p2 = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await p2.start();
    await producer.send([{ topic: n.in, key: "c1", value: JSON.stringify(message(1000, "c1")) }]);
    const [after] = await readResults(reader, 1, 60_000);
    expect(after.messageId).toBe("m-1000");
    expect(after.outputs.count.n).toBe(N / 4 + 1);
    expect(p2.stats.consumed).toBe(1);
    await p2.stop();
    await Promise.all([reader.close(), dlq.close(), producer.close()]);
  }, 120_000);

  test("two instances share the partitions; one leaves and the other takes over with nothing lost", async () => {
    const n = names("scale");
    const topo = testTopology(n.name, { in: n.in, out: n.out, dlq: n.dlq, partitions: 4 });
    const a = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await a.start();
    const producer = t.producer();
    const send = (from: number, count: number) =>
      producer.send(Array.from({ length: count }, (_, k) => ({ topic: n.in, key: `c${(from + k) % 8}`, value: JSON.stringify(message(from + k, `c${(from + k) % 8}`)) })));
    await send(0, 100);
    await waitFor(() => a.stats.results >= 100, "instance A results");
    const b = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 100 });
    await b.start();
    await waitFor(() => b.assignment().length === 2 && a.assignment().length === 2, "A and B to own two partitions each");
    const aBefore = a.stats.consumed;
    await send(100, 200);
    await waitFor(() => a.stats.results + b.stats.results >= 300, "300 results across both");
    // Both instances did part of the work while both were up.
    expect(a.stats.consumed).toBeGreaterThan(aBefore);
    expect(b.stats.consumed).toBeGreaterThan(0);
    await a.stop(); // scale in: B takes over A's partitions
    await send(300, 100);
    const reader = t.consumer({ groupId: `r-${n.name}` });
    reader.subscribe([n.out]);
    const seen = new Map<string, number>();
    await waitFor(async () => {
      for (const r of await readResults(reader, 0, 60_000)) if (r.version === 1) seen.set(r.messageId, (seen.get(r.messageId) ?? 0) + 1);
      return seen.size >= 400;
    }, "all 400 messages in the output", 90_000);
    expect(seen.size).toBe(400);
    // Revoked partitions were drained and committed before moving: nothing was processed twice.
    expect([...seen].filter(([, n]) => n > 1).slice(0, 3)).toEqual([]);
    await b.stop();
    await Promise.all([reader.close(), producer.close()]);
  }, 180_000);

  test("exactly-once: outputs and input offsets commit together", async () => {
    const n = names("eos");
    const topo = testTopology(n.name, { in: n.in, out: n.out, dlq: n.dlq, delivery: "exactly-once" });
    const p = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 200 });
    await p.start();
    const producer = t.producer();
    await producer.send(Array.from({ length: 50 }, (_, i) => ({ topic: n.in, key: `c${i % 5}`, value: JSON.stringify(message(i, `c${i % 5}`)) })));
    const reader = t.consumer({ groupId: `r-${n.name}`, config: { "isolation.level": "read_committed" } });
    reader.subscribe([n.out]);
    const got = await readResults(reader, 50, 60_000);
    expect(new Set(got.map((r) => r.messageId)).size).toBe(50);
    await p.stop();
    const check = t.consumer({ groupId: `g-${n.name}` });
    const committed = await check.committed([0, 1, 2].map((partition) => ({ topic: n.in, partition })));
    const highs = await Promise.all([0, 1, 2].map((partition) => check.watermarks(n.in, partition)));
    expect(committed.map((c) => Math.max(0, c.offset))).toEqual(highs.map((h) => h.high));
    // A restart restores each conversation's state from the transactional changelog and goes on counting.
    const p2 = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 200 });
    await p2.start();
    await producer.send([{ topic: n.in, key: "c0", value: JSON.stringify(message(50, "c0")) }]);
    const [after] = await readResults(reader, 1, 60_000);
    expect(after.messageId).toBe("m-50");
    expect(after.outputs.count.n).toBe(11);
    expect(p2.stats.consumed).toBe(1);
    await p2.stop();
    await Promise.all([reader.close(), check.close(), producer.close()]);
  }, 120_000);
});
