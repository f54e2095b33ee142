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
});
