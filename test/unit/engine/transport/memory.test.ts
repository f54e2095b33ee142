// The in-process transport honours the Kafka contract: key partitioning, groups sharing partitions
// with revoke before move, committed offsets, pause/resume, transactions and read_committed.
import { describe, expect, test } from "bun:test";
import { createMemoryTransport, MemoryBroker, murmur2 } from "../../../../engine/transport/memory.ts";
import { consumeN, drainFor, text } from "../../../helpers/kafka.ts";

describe("memory transport", () => {
  test("keys land on stable partitions (murmur2)", async () => {
    const t = createMemoryTransport();
    await t.admin().createTopics([{ topic: "k", partitions: 4 }]);
    const r = await t.producer().send([{ topic: "k", key: "abc", value: "1" }, { topic: "k", key: "abc", value: "2" }]);
    expect(r[0].partition).toBe(r[1].partition);
    expect(r[0].partition).toBe(murmur2(new TextEncoder().encode("abc")) % 4);
    expect([r[0].offset, r[1].offset]).toEqual([0, 1]);
  });
  test("a group shares partitions; revoke runs before partitions move; commits resume", async () => {
    const broker = new MemoryBroker();
    const t = createMemoryTransport(broker);
    await t.admin().createTopics([{ topic: "g", partitions: 4 }]);
    const a = t.consumer({ groupId: "grp" });
    const events: string[] = [];
    a.onRebalance(async (e) => {
      events.push(`a:${e.type}:${e.partitions.length}`);
    });
    a.subscribe(["g"]);
    await a.consume(1, 10);
    expect(a.assignment()).toHaveLength(4);
    const b = t.consumer({ groupId: "grp" });
    b.subscribe(["g"]);
    await a.consume(1, 10);
    await b.consume(1, 10);
    expect(a.assignment().length + b.assignment().length).toBe(4);
    expect(events).toEqual(["a:assign:4", "a:revoke:2"]);
    const p = t.producer();
    await p.send(Array.from({ length: 8 }, (_, i) => ({ topic: "g", value: `v${i}`, partition: i % 4 })));
    const got = [...(await drainFor(a, 100)), ...(await drainFor(b, 100))];
    expect(got).toHaveLength(8);
    await a.commit();
    expect((await a.committed(a.assignment())).every((c) => c.offset === 2)).toBe(true);
  });
  test("pause holds a partition back; resume releases it", async () => {
    const t = createMemoryTransport();
    await t.admin().createTopics([{ topic: "p", partitions: 1 }]);
    const c = t.consumer({ groupId: "g" });
    c.subscribe(["p"]);
    await c.consume(1, 10);
    c.pause([{ topic: "p", partition: 0 }]);
    await t.producer().send([{ topic: "p", value: "x" }]);
    expect(await c.consume(10, 50)).toEqual([]);
    c.resume([{ topic: "p", partition: 0 }]);
    expect((await consumeN(c, 1)).map((m) => text(m.value))).toEqual(["x"]);
  });
  test("transactions: read_committed sees committed records only; offsets commit with them", async () => {
    const t = createMemoryTransport();
    await t.admin().createTopics([{ topic: "tx", partitions: 1 }]);
    const p = t.producer({ transactionalId: "x" });
    await p.initTransactions();
    p.beginTransaction();
    await p.send([{ topic: "tx", value: "kept" }]);
    const src = t.consumer({ groupId: "src" });
    await p.sendOffsetsToTransaction([{ topic: "tx", partition: 0, offset: 1 }], src);
    await p.commitTransaction();
    p.beginTransaction();
    await p.send([{ topic: "tx", value: "dropped" }]);
    await p.abortTransaction();
    const c = t.consumer({ groupId: "r" });
    c.subscribe(["tx"]);
    const seen = await drainFor(c, 100);
    expect(seen.map((m) => text(m.value))).toEqual(["kept"]);
    expect(await src.committed([{ topic: "tx", partition: 0 }])).toEqual([{ topic: "tx", partition: 0, offset: 1 }]);
  });

  describe("retention (embedded mode keeps memory flat)", () => {
    test("records every reading group committed past are dropped beyond the last N; uncommitted ones are kept", async () => {
      const broker = new MemoryBroker({ retainRecords: 100 });
      const t = createMemoryTransport(broker);
      await t.admin().createTopics([{ topic: "r", partitions: 1 }]);
      const c = t.consumer({ groupId: "slow" });
      c.subscribe(["r"]);
      await c.consume(0, 10);
      const p = t.producer();
      await p.send(Array.from({ length: 1000 }, (_, i) => ({ topic: "r", value: `v${i}`, partition: 0 })));
      // The group has not committed anything: nothing may go.
      expect(await c.watermarks("r", 0)).toEqual({ low: 0, high: 1000 });
      const first = await consumeN(c, 600);
      await c.commit([{ topic: "r", partition: 0, offset: 600 }]);
      await p.send(Array.from({ length: 500 }, (_, i) => ({ topic: "r", value: `w${i}`, partition: 0 })));
      const { low, high } = await c.watermarks("r", 0);
      expect(high).toBe(1500);
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThanOrEqual(600);
      // Everything after the committed offset is still there, in order.
      const rest = await consumeN(c, 900);
      expect(rest.map((m) => m.offset)).toEqual(Array.from({ length: 900 }, (_, i) => 600 + i));
      expect(first.at(-1)!.offset).toBe(599);
      expect(broker.topics.get("r")!.partitions[0].log.length).toBeLessThanOrEqual(1000);
    });

    test("a topic nobody reads keeps its last records only: memory stays bounded", async () => {
      const broker = new MemoryBroker({ retainRecords: 50 });
      const t = createMemoryTransport(broker);
      const p = t.producer();
      for (let k = 0; k < 20; k++) await p.send(Array.from({ length: 100 }, (_, i) => ({ topic: "out", value: `v${k}-${i}`, partition: 0 })));
      const part = broker.topics.get("out")!.partitions[0];
      expect(part.log.length).toBeLessThanOrEqual(100);
      expect(part.next).toBe(2000);
      expect(part.log.at(-1)!.offset).toBe(1999);
    });

    test("a compacted topic keeps each key's latest record; a reader steps over the gaps", async () => {
      const broker = new MemoryBroker({ retainRecords: 10 });
      const t = createMemoryTransport(broker);
      await t.admin().createTopics([{ topic: "state", partitions: 1, config: { "cleanup.policy": "compact" } }]);
      const p = t.producer();
      // 5 keys written 40 times each, then key k0 deleted (a null value).
      for (let round = 0; round < 40; round++) await p.send(Array.from({ length: 5 }, (_, k) => ({ topic: "state", key: `k${k}`, value: `${round}`, partition: 0 })));
      await p.send([{ topic: "state", key: "k0", value: null, partition: 0 }]);
      for (let i = 0; i < 30; i++) await p.send([{ topic: "state", key: "k1", value: `late${i}`, partition: 0 }]);
      const c = t.consumer({ groupId: "restore" });
      c.assign([{ topic: "state", partition: 0, offset: 0 }]);
      const latest = new Map<string, string | null>();
      const seen = await drainFor(c, 100);
      for (const m of seen) latest.set(text(m.key)!, text(m.value));
      // k0's delete went with its older values: a restore finds no k0 at all.
      expect(Object.fromEntries(latest)).toEqual({ k1: "late29", k2: "39", k3: "39", k4: "39" });
      expect(seen.length).toBeLessThan(231);
      expect(c.atEnd({ topic: "state", partition: 0 })).toBe(true);
    });
  });
});
