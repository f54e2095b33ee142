// Changelog restore on the real broker, including a changelog written in transactions (exactly-once
// mode): its last offsets are commit markers that are never delivered, so the restore must end at
// librdkafka's partition EOF rather than wait for an offset that never comes (it waited 120 s).
import { afterAll, describe, expect, test } from "bun:test";
import { StateStore } from "../../../../engine/state/state-store.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { kafkaError } from "../../../../engine/kafka/kafka-error.ts";
import type { Consumer, Transport } from "../../../../engine/kafka/types.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";

const t = kafka();
afterAll(() => t.close());
const noWrites = () => {
  throw new Error("restore does not write");
};

/**
 * The real transport, with every consumer's watermarks() counted; the first `failFirst` calls fail
 * with `code` as librdkafka reports it while a just-created partition has no leader yet.
 */
function watched(inner: Transport, failFirst = 0, code = 6 /* NOT_LEADER_FOR_PARTITION */) {
  const calls = { ok: 0, failed: 0 };
  const transport: Transport = {
    ...inner,
    consumer(opts): Consumer {
      const c = inner.consumer(opts);
      const real = c.watermarks.bind(c);
      c.watermarks = async (topic, partition, timeoutMs) => {
        if (calls.failed < failFirst) {
          calls.failed++;
          throw kafkaError(code, `watermarks ${topic}[${partition}]`);
        }
        try {
          const w = await real(topic, partition, timeoutMs);
          calls.ok++;
          return w;
        } catch (e) {
          calls.failed++;
          throw e;
        }
      };
      return c;
    },
  };
  return { transport, calls };
}

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

  for (const [name, code] of [["NOT_LEADER_FOR_PARTITION", 6], ["_UNKNOWN_PARTITION", -190]] as const) {
    test(`a changelog partition that answers ${name} at first is retried until readable, and every key restored`, async () => {
      const changelog = uniqueTopic("late-changelog");
      await t.admin().createTopics([{ topic: changelog, partitions: 1, config: { "cleanup.policy": "compact" } }]);
      const p = t.producer();
      await p.send(["cust-17", "cust-42", "cust-99"].map((key, i) => ({ topic: changelog, partition: 0, key, value: JSON.stringify({ tickets: i + 1 }) })));
      await p.close();
      const { transport, calls } = watched(t, 3, code);
      const store = new StateStore(changelog, transport, noWrites, { restoreReadyTimeoutMs: 30_000 });
      expect(await store.restore(0, `g-${changelog}`)).toBe(3);
      expect(calls).toEqual({ ok: 1, failed: 3 });
      expect([store.get(0, "cust-17"), store.get(0, "cust-42"), store.get(0, "cust-99")]).toEqual([{ tickets: 1 }, { tickets: 2 }, { tickets: 3 }]);
    }, 60_000);
  }

  test("a changelog created while the restore waits for it is restored (not skipped)", async () => {
    const changelog = uniqueTopic("new-changelog");
    const { transport, calls } = watched(t);
    const store = new StateStore(changelog, transport, noWrites, { restoreReadyTimeoutMs: 60_000 });
    // Something this process held for the partition: the restore must replace it with the changelog's truth.
    store.put(0, "stale", { tickets: 9 });
    const restoring = store.restore(0, `g-${changelog}`);
    // The topic does not exist yet: the restore keeps asking.
    await waitFor(() => calls.failed >= 2, "the restore to find the changelog missing", 30_000);
    await t.admin().createTopics([{ topic: changelog, partitions: 1, config: { "cleanup.policy": "compact" } }]);
    expect(await restoring).toBe(0);
    expect(calls.ok).toBe(1);
    expect(store.get(0, "stale")).toBeUndefined();
  }, 90_000);

  test("a changelog that never appears fails with STATE_RESTORE_FAILED after the configured bound", async () => {
    const changelog = uniqueTopic("missing-changelog");
    const { transport, calls } = watched(t);
    const store = new StateStore(changelog, transport, noWrites, { restoreReadyTimeoutMs: 1_500 });
    let err: unknown;
    try {
      await store.restore(0, `g-${changelog}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeirError);
    expect((err as WeirError).code).toBe("STATE_RESTORE_FAILED");
    expect((err as WeirError).details).toMatchObject({ changelog, partition: 0 });
    expect((err as WeirError).details.attempts as number).toBeGreaterThan(1);
    expect(calls.ok).toBe(0);
    expect(calls.failed).toBeGreaterThan(1);
  }, 60_000);
});
