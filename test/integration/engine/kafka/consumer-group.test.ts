// Consumer groups on the real broker: two members rebalancing cooperatively with commits of
// processed offsets on revoke, pause/resume, seek, committed offsets and lag.
import { afterAll, describe, expect, test } from "bun:test";
import { consumeN, drainFor, kafka, text, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import type { ConsumedMessage, Consumer, TopicPartitionOffset } from "../../../../engine/kafka/types.ts";

const t = kafka();
const admin = t.admin();
afterAll(async () => {
  await t.close();
});

/** A member that "processes" each message (records it) and commits what it processed, including on revoke. */
function member(groupId: string, topic: string, seen: Map<string, string>, dupes: string[]) {
  const c = t.consumer({ groupId });
  const processed = new Map<string, TopicPartitionOffset>();
  const flush = async () => {
    const offsets = [...processed.values()];
    processed.clear();
    if (offsets.length) await c.commit(offsets);
  };
  c.onRebalance(async (e) => {
    if (e.type === "revoke") await flush();
  });
  c.subscribe([topic]);
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const batch = await c.consume(200, 100);
      for (const m of batch) {
        const id = `${m.partition}@${m.offset}`;
        if (seen.has(id)) dupes.push(id);
        seen.set(id, text(m.value)!);
        processed.set(`${m.partition}`, { topic, partition: m.partition, offset: m.offset + 1 });
      }
      await flush();
    }
  })();
  return {
    c,
    async stop() {
      stop = true;
      await loop;
      await c.close();
    },
  };
}

describe("consumer group", () => {
  test("two members rebalance with nothing lost and nothing processed twice after a commit", async () => {
    const topic = uniqueTopic("group");
    await admin.createTopics([{ topic, partitions: 4 }]);
    const p = t.producer();
    const N = 4000;
    const seen = new Map<string, string>();
    const dupes: string[] = [];
    const a = member(`g-${topic}`, topic, seen, dupes);
    await p.send(Array.from({ length: N / 2 }, (_, i) => ({ topic, key: `k${i % 50}`, value: `m${i}` })));
    await waitFor(() => seen.size >= N / 4, "member A to process a quarter");
    const b = member(`g-${topic}`, topic, seen, dupes);
    await waitFor(() => b.c.assignment().length > 0, "member B to get partitions");
    await p.send(Array.from({ length: N / 2 }, (_, i) => ({ topic, key: `k${i % 50}`, value: `m${N / 2 + i}` })));
    await waitFor(() => seen.size >= N, `all ${N} messages processed (have ${seen.size})`);
    // Cooperative-sticky: both members own partitions, and together exactly all four.
    const owned = [...a.c.assignment(), ...b.c.assignment()].map((x) => x.partition).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    expect(a.c.assignment().length).toBeGreaterThan(0);
    await a.stop();
    await b.stop();
    expect(dupes).toEqual([]);
    expect(new Set(seen.values()).size).toBe(N);
    await p.close();
  });

  test("a member that joins later resumes exactly after the group's committed offsets", async () => {
    const topic = uniqueTopic("resume");
    await admin.createTopics([{ topic, partitions: 1 }]);
    const p = t.producer();
    await p.send(Array.from({ length: 10 }, (_, i) => ({ topic, value: `m${i}` })));
    const c1 = t.consumer({ groupId: `g-${topic}` });
    c1.subscribe([topic]);
    const first = await consumeN(c1, 10);
    await c1.commit([{ topic, partition: 0, offset: first[5].offset + 1 }]);
    expect(await c1.committed([{ topic, partition: 0 }])).toEqual([{ topic, partition: 0, offset: 6 }]);
    const lag = await c1.lag();
    expect(lag).toEqual([{ topic, partition: 0, committed: 6, low: 0, high: 10, lag: 4 }]);
    await c1.close();
    const c2 = t.consumer({ groupId: `g-${topic}` });
    c2.subscribe([topic]);
    const rest = await consumeN(c2, 4);
    expect(rest.map((m) => text(m.value))).toEqual(["m6", "m7", "m8", "m9"]);
    await c2.close();
    await p.close();
  });

  test("pause stops a partition, resume continues it, seek rewinds it", async () => {
    const topic = uniqueTopic("pause");
    await admin.createTopics([{ topic, partitions: 2 }]);
    const p = t.producer();
    const c = t.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    await p.send([{ topic, value: "p0-a", partition: 0 }, { topic, value: "p1-a", partition: 1 }]);
    await consumeN(c, 2);
    c.pause([{ topic, partition: 0 }]);
    await p.send([{ topic, value: "p0-b", partition: 0 }, { topic, value: "p1-b", partition: 1 }]);
    const whilePaused: ConsumedMessage[] = await consumeN(c, 1);
    whilePaused.push(...(await drainFor(c, 1500)));
    expect(whilePaused.map((m) => text(m.value))).toEqual(["p1-b"]);
    c.resume([{ topic, partition: 0 }]);
    const resumed = await consumeN(c, 1);
    expect(resumed.map((m) => text(m.value))).toEqual(["p0-b"]);
    await c.seek({ topic, partition: 1, offset: 0 });
    const again = await consumeN(c, 2);
    expect(again.map((m) => text(m.value))).toEqual(["p1-a", "p1-b"]);
    const wm = await c.watermarks(topic, 1);
    expect(wm).toEqual({ low: 0, high: 2 });
    await c.close();
    await p.close();
  });

  test("holdDelivery holds a partition's messages back; resumeDelivery delivers them in order, once", async () => {
    const topic = uniqueTopic("hold");
    await admin.createTopics([{ topic, partitions: 2 }]);
    const p = t.producer();
    const c = t.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    await p.send([{ topic, value: "p0-first", partition: 0 }, { topic, value: "p1-first", partition: 1 }]);
    await consumeN(c, 2);
    c.holdDelivery([{ topic, partition: 0 }]);
    await p.send(Array.from({ length: 500 }, (_, i) => ({ topic, value: `p0-${i}`, partition: 0 })));
    await p.send(Array.from({ length: 5 }, (_, i) => ({ topic, value: `p1-${i}`, partition: 1 })));
    const whileHeld = [...(await consumeN(c, 5)), ...(await drainFor(c, 1500))];
    expect(whileHeld.map((m) => text(m.value))).toEqual(["p1-0", "p1-1", "p1-2", "p1-3", "p1-4"]);
    c.resumeDelivery([{ topic, partition: 0 }]);
    const released = [...(await consumeN(c, 500)), ...(await drainFor(c, 500))];
    expect(released.map((m) => text(m.value))).toEqual(Array.from({ length: 500 }, (_, i) => `p0-${i}`));
    expect(released.map((m) => m.offset)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    await c.close();
    await p.close();
  });

  test("revoke listeners run before close releases the partitions", async () => {
    const topic = uniqueTopic("revoke");
    await admin.createTopics([{ topic, partitions: 2 }]);
    const c = t.consumer({ groupId: `g-${topic}` });
    const events: string[] = [];
    c.onRebalance(async (e) => {
      if (e.type === "revoke") await new Promise((r) => setTimeout(r, 50));
      events.push(`${e.type}:${e.partitions.length}`);
    });
    c.subscribe([topic]);
    await waitFor(async () => {
      await c.consume(10, 100);
      return c.assignment().length === 2;
    }, "assignment");
    await c.close();
    expect(events).toEqual(["assign:2", "revoke:2"]);
  });
});
