// Changelog restore on the real broker, including a changelog written in transactions (exactly-once
// mode): its last offsets are commit markers that are never delivered, so the restore must end at
// librdkafka's partition EOF rather than wait for an offset that never comes (it waited 120 s).
import { afterAll, describe, expect, test } from "bun:test";
import { StateStore } from "../../../../engine/state/state-store.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";

const t = kafka();
afterAll(() => t.close());

describe("state store restore", () => {
  test("a transactional changelog restores every committed key, the latest value each, not the aborted ones", async () => {
    const changelog = uniqueTopic("tx-changelog");
    await t.admin().createTopics([{ topic: changelog, partitions: 2, config: { "cleanup.policy": "compact" } }]);
    const p = t.producer({ transactionalId: `tx-${changelog}` });
    await p.initTransactions();
    p.beginTransaction();
    await p.send([
      { topic: changelog, key: "c1", value: JSON.stringify({ n: 1 }), partition: 0 },
      { topic: changelog, key: "c2", value: JSON.stringify({ n: 5 }), partition: 0 },
    ]);
    await p.commitTransaction();
    p.beginTransaction();
    await p.send([{ topic: changelog, key: "c1", value: JSON.stringify({ n: 2 }), partition: 0 }]);
    await p.commitTransaction();
    p.beginTransaction();
    await p.send([{ topic: changelog, key: "c2", value: JSON.stringify({ n: 99 }), partition: 0 }]);
    await p.abortTransaction();
    await p.close();

    const store = new StateStore(changelog, t, () => {
      throw new Error("restore does not write");
    });
    expect(await store.restore(0, `g-${changelog}`)).toBe(2);
    expect(store.get(0, "c1")).toEqual({ n: 2 });
    expect(store.get(0, "c2")).toEqual({ n: 5 });
    // An empty partition restores nothing, at once.
    expect(await store.restore(1, `g-${changelog}`)).toBe(0);
  }, 30_000);
});
