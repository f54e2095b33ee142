// A consumer the application is not polling (the pipeline waiting under backpressure, or every
// partition paused) still takes part in its group: the idle path serves rebalance events, so a
// second member gets partitions without waiting for max.poll.interval.ms, and no message is handed
// out by the idle path: whatever the first member had not consumed reaches one of the members later.
import { afterAll, describe, expect, test } from "bun:test";
import { consumeN, kafka, text, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import type { ConsumedMessage, RebalanceEvent, TopicPartitionOffset } from "../../../../engine/kafka/types.ts";

const t = kafka();
afterAll(() => t.close());

describe("consumer not being consumed from", () => {
  test("handles a rebalance when a second member joins, and delivers nothing out of band", async () => {
    const topic = uniqueTopic("idle");
    const group = `g-${topic}`;
    await t.admin().createTopics([{ topic, partitions: 4 }]);
    const p = t.producer();
    const N = 400;
    await p.send(Array.from({ length: N }, (_, i) => ({ topic, partition: i % 4, key: `order-${i}`, value: JSON.stringify({ order: i, status: "paid" }) })));

    const a = t.consumer({ groupId: group, config: { "max.partition.fetch.bytes": 1024 } });
    const aEvents: RebalanceEvent[] = [];
    const processed = new Map<number, TopicPartitionOffset>();
    a.onRebalance(async (e) => {
      aEvents.push(e);
      // Commit what was processed before giving partitions up, as the pipeline does.
      if (e.type === "revoke") await a.commit([...processed.values()].filter((o) => e.partitions.some((x) => x.partition === o.partition)));
    });
    a.subscribe([topic]);
    const seenByA: ConsumedMessage[] = [];
    const take = (ms: ConsumedMessage[]) => {
      for (const m of ms) {
        seenByA.push(m);
        processed.set(m.partition, { topic, partition: m.partition, offset: m.offset + 1 });
      }
    };
    // A takes a few messages, then stops calling consume() (backpressure).
    take(await consumeN(a, 10));
    expect(a.assignment().length).toBe(4);

    const b = t.consumer({ groupId: group });
    b.subscribe([topic]);
    const seenByB: ConsumedMessage[] = [];
    let stopB = false;
    const loopB = (async () => {
      while (!stopB) seenByB.push(...(await b.consume(500, 100)));
    })();
    // Within a bounded wait: A ran its revoke listener without any consume() call, and B got partitions.
    await waitFor(() => aEvents.some((e) => e.type === "revoke"), "A's revoke listener to run while A is idle", 30_000);
    await waitFor(() => b.assignment().length > 0, "B to be assigned partitions", 30_000);
    const revoked = new Set(aEvents.filter((e) => e.type === "revoke").flatMap((e) => e.partitions.map((x) => x.partition)));
    expect(revoked.size).toBeGreaterThan(0);
    expect(b.assignment().every((x) => revoked.has(x.partition))).toBe(true);

    // A resumes: it never gets a message from a partition it gave up, and every message reaches someone.
    const resumedAt = seenByA.length;
    const all = () => new Set([...seenByA, ...seenByB].map((m) => text(m.key)));
    await waitFor(async () => {
      take(await a.consume(500, 100));
      return all().size >= N;
    }, "every message to reach one of the members", 60_000);
    const kept = new Set(a.assignment().map((x) => x.partition));
    expect(seenByA.slice(resumedAt).every((m) => kept.has(m.partition))).toBe(true);
    expect(all().size).toBe(N);
    stopB = true;
    await loopB;
    await Promise.all([a.close(), b.close(), p.close()]);
  }, 120_000);
});
