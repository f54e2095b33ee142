// Transactions on the real broker: a committed transaction is visible to read_committed
// consumers, an aborted one never is; offsets sent in a transaction commit with it.
import { afterAll, describe, expect, test } from "bun:test";
import { consumeN, drainFor, kafka, text, uniqueTopic } from "../../../helpers/kafka.ts";

const t = kafka();
const admin = t.admin();
afterAll(async () => {
  await t.close();
});

describe("transactions", () => {
  test("read_committed consumers see the committed transaction and never the aborted one", async () => {
    const topic = uniqueTopic("txn");
    await admin.createTopics([{ topic, partitions: 1 }]);
    const p = t.producer({ transactionalId: `tx-${topic}` });
    await p.initTransactions();
    p.beginTransaction();
    await p.send([{ topic, value: "committed-1" }, { topic, value: "committed-2" }]);
    await p.commitTransaction();
    p.beginTransaction();
    await p.send([{ topic, value: "aborted-1" }]);
    await p.abortTransaction();
    p.beginTransaction();
    await p.send([{ topic, value: "committed-3" }]);
    await p.commitTransaction();

    const committed = t.consumer({ groupId: `g-rc-${topic}`, config: { "isolation.level": "read_committed" } });
    committed.subscribe([topic]);
    const seen = await consumeN(committed, 3);
    seen.push(...(await drainFor(committed, 1000)));
    expect(seen.map((m) => text(m.value))).toEqual(["committed-1", "committed-2", "committed-3"]);

    const uncommitted = t.consumer({ groupId: `g-ru-${topic}`, config: { "isolation.level": "read_uncommitted" } });
    uncommitted.subscribe([topic]);
    const all = await consumeN(uncommitted, 4);
    expect(all.map((m) => text(m.value))).toContain("aborted-1");
    await committed.close();
    await uncommitted.close();
    await p.close();
  });

  test("consume → produce → send offsets commits input offsets atomically with the output", async () => {
    const input = uniqueTopic("txn-in");
    const output = uniqueTopic("txn-out");
    await admin.createTopics([{ topic: input, partitions: 1 }, { topic: output, partitions: 1 }]);
    const seed = t.producer();
    await seed.send(Array.from({ length: 5 }, (_, i) => ({ topic: input, value: `in-${i}` })));
    const groupId = `g-${input}`;
    const c = t.consumer({ groupId });
    c.subscribe([input]);
    const batch = await consumeN(c, 5);
    const p = t.producer({ transactionalId: `tx-${input}` });
    await p.initTransactions();
    // First attempt aborted: its output is invisible and its offsets are not committed.
    p.beginTransaction();
    await p.send(batch.map((m) => ({ topic: output, value: `out-${text(m.value)}` })));
    await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: batch[4].offset + 1 }], c);
    await p.abortTransaction();
    expect(await c.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: -1001 }]);
    p.beginTransaction();
    await p.send(batch.map((m) => ({ topic: output, value: `out-${text(m.value)}` })));
    await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: batch[4].offset + 1 }], c);
    await p.commitTransaction();
    expect(await c.committed([{ topic: input, partition: 0 }])).toEqual([{ topic: input, partition: 0, offset: 5 }]);
    const reader = t.consumer({ groupId: `g-${output}` });
    reader.subscribe([output]);
    const out = await consumeN(reader, 5);
    out.push(...(await drainFor(reader, 800)));
    expect(out.map((m) => text(m.value))).toEqual(batch.map((m) => `out-${text(m.value)}`));
    await Promise.all([reader.close(), c.close(), p.close(), seed.close()]);
  });
});
