// Produce → consume on the real broker: keys, headers, explicit partitions, timestamps, offsets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { consumeN, kafka, text, uniqueTopic } from "../../../helpers/kafka.ts";
import { KafkaError } from "../../../../engine/errors.ts";
import { waitFor } from "../../../helpers/wait.ts";

const t = kafka();
const admin = t.admin();
afterAll(async () => {
  await t.close();
});

describe("produce → consume round trip", () => {
  const topic = uniqueTopic("roundtrip");
  beforeAll(async () => {
    await admin.createTopics([{ topic, partitions: 3 }]);
  });

  test("keys, headers, partitions and timestamps survive the trip", async () => {
    const p = t.producer();
    const ts = Date.UTC(2026, 0, 2, 3, 4, 5);
    const reports = await p.send([
      { topic, key: "conv-1", value: JSON.stringify({ text: "Hallo, my order #123 never arrived" }), headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tenant: "acme" } },
      { topic, key: "conv-2", value: "second", partition: 2, timestamp: ts, headers: [["dup", "a"], ["dup", new Uint8Array([0, 255, 7])]] },
      { topic, key: null, value: null, partition: 1 },
    ]);
    expect(reports.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(reports[1].partition).toBe(2);
    expect(reports[2].partition).toBe(1);
    expect(reports.every((r) => r.topic === topic && r.offset >= 0)).toBe(true);

    const c = t.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    const got = await consumeN(c, 3);
    const byKey = new Map(got.map((m) => [text(m.key), m]));
    // Each consumed record sits exactly where its delivery report said it would.
    expect(got.map((m) => `${m.partition}@${m.offset}`).sort()).toEqual(reports.map((r) => `${r.partition}@${r.offset}`).sort());
    const first = byKey.get("conv-1")!;
    expect(JSON.parse(text(first.value)!)).toEqual({ text: "Hallo, my order #123 never arrived" });
    expect(first.headers.map(([k, v]) => [k, text(v)])).toEqual([
      ["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
      ["tenant", "acme"],
    ]);
    expect(first.partition).toBe(reports[0].partition);
    const second = byKey.get("conv-2")!;
    expect(second.partition).toBe(2);
    expect(second.timestamp).toBe(ts);
    expect(second.headers[0]).toEqual(["dup", new TextEncoder().encode("a")]);
    expect([...second.headers[1][1]]).toEqual([0, 255, 7]);
    const nulls = byKey.get(null)!;
    expect(nulls.value).toBeNull();
    expect(nulls.partition).toBe(1);
    await c.close();
    await p.close();
  });

  test("the same key always lands on the same partition", async () => {
    const p = t.producer();
    const reports = await p.send(Array.from({ length: 30 }, (_, i) => ({ topic, key: `conv-${i % 3}`, value: String(i) })));
    const byKey = new Map<string, Set<number>>();
    reports.forEach((r, i) => {
      const k = `conv-${i % 3}`;
      byKey.set(k, (byKey.get(k) ?? new Set()).add(r.partition));
    });
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
    await p.close();
  });

  test("a full local queue applies backpressure instead of failing", async () => {
    // 20 000 records through a 1 000-message queue: every one must still be delivered.
    const p = t.producer({ config: { "queue.buffering.max.messages": 1000 } });
    const reports = await p.send(Array.from({ length: 20_000 }, (_, i) => ({ topic, value: `m${i}` })));
    expect(reports.filter((r) => r.error)).toEqual([]);
    expect(reports.length).toBe(20_000);
    expect(p.inFlight()).toBe(0);
    await p.close();
  });

  test("a record for a partition that does not exist fails alone, with a typed error", async () => {
    const p = t.producer();
    const reports = await p.send([
      { topic, value: "ok" },
      { topic, value: "bad", partition: 99 },
      { topic, value: "ok too" },
    ]);
    expect(reports[0].error).toBeUndefined();
    expect(reports[2].error).toBeUndefined();
    expect(reports[1].error).toBeInstanceOf(KafkaError);
    expect(reports[1].error!.kafkaName).toBe("_UNKNOWN_PARTITION");
    await expect(p.produce({ topic, value: "bad", partition: 99 })).rejects.toBeInstanceOf(KafkaError);
    await p.close();
  });

  test("a consumed batch keeps its bytes while later batches arrive (small batches, then one large record)", async () => {
    const own = uniqueTopic("batches");
    await admin.createTopics([{ topic: own, partitions: 1 }]);
    const p = t.producer();
    const recs = Array.from({ length: 500 }, (_, i) => ({ topic: own, key: `k${i}`, value: new Uint8Array(100).fill(i & 255) }));
    const big = { topic: own, key: "big", value: new Uint8Array(900_000).fill(7) };
    const reports = await p.send([...recs, big]);
    expect(reports.filter((r) => r.error)).toEqual([]);
    const c = t.consumer({ groupId: `g-${own}` });
    c.subscribe([own]);
    const got = [];
    // Small batches: the consumer's batch buffer is reused between them.
    while (got.length < recs.length + 1) {
      const b = await c.consume(50, 10_000);
      if (!b.length) break;
      got.push(...b);
    }
    expect(got.length).toBe(recs.length + 1);
    got.forEach((m, i) => {
      expect(m.offset).toBe(i);
      expect(text(m.key)).toBe(i < recs.length ? `k${i}` : "big");
      expect(m.value!.length).toBe(i < recs.length ? 100 : 900_000);
      expect(m.value!.every((b) => b === (i < recs.length ? i & 255 : 7))).toBe(true);
    });
    await c.close();
    await p.close();
    await admin.deleteTopics([own]);
  });
});

describe("admin", () => {
  test("create (idempotent), describe, list and delete topics", async () => {
    const topic = uniqueTopic("admin");
    await admin.createTopics([{ topic, partitions: 4, config: { "cleanup.policy": "compact" } }]);
    await admin.createTopics([{ topic, partitions: 4 }]);
    const [d] = await admin.describeTopics([topic]);
    expect(d.topic).toBe(topic);
    expect(d.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(d.partitions[0].leader).toBe(1);
    expect(await admin.listTopics()).toContain(topic);
    await admin.deleteTopics([topic]);
    // Deletion completes asynchronously on the broker: the metadata may show the topic for a moment.
    const gone = await waitFor(async () => {
      const [g] = await admin.describeTopics([topic]);
      return g.error?.kafkaName === "UNKNOWN_TOPIC_OR_PART" || g.partitions.length === 0 ? g : null;
    }, "the topic to disappear from the metadata", 15_000);
    expect(gone.topic).toBe(topic);
  });
});
