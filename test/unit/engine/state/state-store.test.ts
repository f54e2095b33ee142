// The state store on the in-process transport: writes reach the changelog at flush, a new store
// restores them, and past its memory bound the oldest keys live in the spill file on disk and
// come back on read — so a growing key space does not grow the heap.
import { describe, expect, test } from "bun:test";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import { StateStore } from "../../../../engine/state/state-store.ts";

describe("state store", () => {
  test("beyond maxKeysInMemory the oldest keys spill to disk and read back unchanged", async () => {
    const t = createMemoryTransport();
    await t.admin().createTopics([{ topic: "s-changelog", partitions: 2, config: { "cleanup.policy": "compact" } }]);
    const producer = t.producer();
    const store = new StateStore("s-changelog", t, () => producer, { maxKeysInMemory: 100 });
    for (let i = 0; i < 1000; i++) store.put(i % 2, `k${i}`, { n: i, seen: [`m${i}`] });
    expect(store.keysInMemory()).toBeLessThanOrEqual(100);
    expect(store.keysInMemory() + store.keysSpilled()).toBe(1000);
    expect(store.keys(0) + store.keys(1)).toBe(1000);
    // The oldest key is on disk; reading it brings it back, unchanged.
    expect(store.get(0, "k0")).toEqual({ n: 0, seen: ["m0"] });
    expect(store.get(1, "k999")).toEqual({ n: 999, seen: ["m999"] });
    expect(store.get(0, "k1")).toBeUndefined(); // k1 lives in partition 1
    store.put(0, "k0", { n: -1, seen: [] });
    expect(store.get(0, "k0")).toEqual({ n: -1, seen: [] });
    expect(store.keys(0) + store.keys(1)).toBe(1000);
    await store.flush();

    // A new store restores all 1 000 from the changelog under the same bound.
    const again = new StateStore("s-changelog", t, () => producer, { maxKeysInMemory: 100 });
    expect((await again.restore(0, "g")) + (await again.restore(1, "g"))).toBe(1000);
    expect(again.keysInMemory()).toBeLessThanOrEqual(100);
    expect(again.get(0, "k0")).toEqual({ n: -1, seen: [] });
    expect(again.get(0, "k500")).toEqual({ n: 500, seen: ["m500"] });
    // Dropping a partition forgets its keys in memory and on disk.
    again.drop(0);
    expect(again.keys(0)).toBe(0);
    expect(again.get(0, "k2")).toBeUndefined();
    expect(again.get(1, "k3")).toEqual({ n: 3, seen: ["m3"] });
    store.close();
    again.close();
  });

  test("a tombstone in the changelog removes the key, in memory or spilled", async () => {
    const t = createMemoryTransport();
    await t.admin().createTopics([{ topic: "d-changelog", partitions: 1, config: { "cleanup.policy": "compact" } }]);
    const p = t.producer();
    await p.send([
      ...Array.from({ length: 50 }, (_, i) => ({ topic: "d-changelog", partition: 0, key: `k${i}`, value: JSON.stringify({ i }) })),
      { topic: "d-changelog", partition: 0, key: "k0", value: null },
      { topic: "d-changelog", partition: 0, key: "k49", value: null },
    ]);
    const store = new StateStore("d-changelog", t, () => p, { maxKeysInMemory: 10 });
    expect(await store.restore(0, "g")).toBe(48);
    expect(store.get(0, "k0")).toBeUndefined();
    expect(store.get(0, "k49")).toBeUndefined();
    expect(store.get(0, "k1")).toEqual({ i: 1 });
    store.close();
  });
});
