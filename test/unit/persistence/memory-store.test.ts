// The in-memory InsightStore of embedded mode: the same contract as PostgreSQL, and its bounds.
import { beforeEach, describe, expect, test } from "bun:test";
import { MemoryStore } from "../../../persistence/memory-store.ts";
import { insightStoreContract } from "../../helpers/insight-store-contract.ts";

describe("memory store", () => {
  const store = new MemoryStore();
  insightStoreContract(() => store);
});

describe("memory store bounds", () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore({ maxConversations: 3, maxPerConversation: 2 });
  });

  test("past maxConversations the least recently updated conversation is forgotten", async () => {
    for (const c of ["c-1", "c-2", "c-3"]) await store.upsertMessage("acme", { id: `${c}-m`, conversationId: c, text: "hi" });
    await store.upsertInsight("acme", { messageId: "c-1-m", conversationId: "c-1", version: 1, status: "final" });
    await store.upsertMessage("acme", { id: "c-4-m", conversationId: "c-4", text: "hi" });
    expect(await store.conversation("acme", "c-2")).toBeNull();
    expect((await store.conversation("acme", "c-1"))?.messageCount).toBe(1);
    expect((await store.conversation("acme", "c-4"))?.messageCount).toBe(1);
  });

  test("a conversation keeps its latest messages and insights, and still counts every message", async () => {
    for (let i = 0; i < 5; i++) {
      await store.upsertMessage("acme", { id: `m-${i}`, conversationId: "c", text: `t${i}`, timestamp: 1000 + i });
      await store.upsertInsight("acme", { messageId: `m-${i}`, conversationId: "c", version: 1, status: "final" });
    }
    const c = await store.conversation("acme", "c");
    expect(c?.messageCount).toBe(5);
    expect(c?.messages.map((m) => m.messageId)).toEqual(["m-3", "m-4"]);
    expect((await store.insights("acme", "c")).map((r) => r.messageId)).toEqual(["m-3", "m-4"]);
  });

  test("rows read back are copies: a caller changing one does not change the store", async () => {
    await store.upsertInsight("acme", { messageId: "m", conversationId: "c", version: 1, status: "final", outputs: { a: 1 } });
    const [row] = await store.insights("acme", "c");
    (row.result as { outputs: { a: number } }).outputs.a = 99;
    const [again] = await store.insights("acme", "c");
    expect((again.result as { outputs: { a: number } }).outputs.a).toBe(1);
  });
});

describe("memory store byte bounds and keys", () => {
  const text = (n: number) => "x".repeat(n);

  test("past maxBytes the oldest conversations are evicted first, and the total stays under the bound", async () => {
    const store = new MemoryStore({ maxBytes: 5_000, maxTenantBytes: 5_000 });
    for (let i = 0; i < 20; i++) await store.upsertMessage("acme", { id: `m-${i}`, conversationId: `c-${i}`, text: text(900), timestamp: 1 });
    expect(store.retainedBytes()).toBeLessThanOrEqual(5_000);
    expect(await store.conversation("acme", "c-0")).toBeNull();
    expect((await store.conversation("acme", "c-19"))?.messages[0].text).toBe(text(900));
  });

  test("one tenant cannot push another out: the per-tenant bound evicts within the tenant", async () => {
    const store = new MemoryStore({ maxBytes: 100_000, maxTenantBytes: 3_000 });
    await store.upsertMessage("globex", { id: "g", conversationId: "g-c", text: text(500) });
    for (let i = 0; i < 30; i++) await store.upsertMessage("acme", { id: `m-${i}`, conversationId: `c-${i}`, text: text(900) });
    expect(store.retainedBytes("acme")).toBeLessThanOrEqual(3_000);
    expect((await store.conversation("globex", "g-c"))?.messages).toHaveLength(1);
    expect(await store.conversation("acme", "c-0")).toBeNull();
  });

  test("a row over the per-message bound is counted but not kept; an insight still gets its seq", async () => {
    const store = new MemoryStore({ maxMessageBytes: 1_000 });
    expect(await store.upsertMessage("acme", { id: "big", conversationId: "c", text: text(5_000) })).toBe(true);
    const out = await store.upsertInsight("acme", { messageId: "big", conversationId: "c", version: 1, status: "final", blob: text(5_000) });
    expect(out).toMatchObject({ applied: true });
    const c = await store.conversation("acme", "c");
    expect(c?.messageCount).toBe(1);
    expect(c?.messages).toEqual([]);
    expect(await store.insights("acme", "c")).toEqual([]);
    expect(store.retainedBytes()).toBe(0);
  });

  test("a single conversation over the bound drops its own oldest rows", async () => {
    const store = new MemoryStore({ maxBytes: 3_000, maxTenantBytes: 3_000 });
    for (let i = 0; i < 10; i++) await store.upsertMessage("acme", { id: `m-${i}`, conversationId: "c", text: text(900), timestamp: i });
    expect(store.retainedBytes()).toBeLessThanOrEqual(3_000);
    expect((await store.conversation("acme", "c"))?.messages.map((m) => m.messageId)).toContain("m-9");
  });

  test("the bounds come from the environment when not given", () => {
    process.env.WEIR_MEMORY_STORE_BYTES = "1000000";
    process.env.WEIR_MEMORY_STORE_MESSAGE_BYTES = "2000";
    const store = new MemoryStore();
    delete process.env.WEIR_MEMORY_STORE_BYTES;
    delete process.env.WEIR_MEMORY_STORE_MESSAGE_BYTES;
    expect([store.maxBytes, store.maxTenantBytes, store.maxMessageBytes]).toEqual([1_000_000, 250_000, 2_000]);
    expect(new MemoryStore().maxBytes).toBe(64 * 1024 * 1024);
  });

  test("no two (tenant, id) pairs share a key: acme\\0R cannot read acme's conversation R\\0x", async () => {
    const store = new MemoryStore();
    await store.upsertMessage("acme", { id: "m", conversationId: "R\u0000x", text: "acme's secret" });
    await store.upsertInsight("acme", { messageId: "m", conversationId: "R\u0000x", version: 1, status: "final" });
    expect(await store.conversation("acme\u0000R", "x")).toBeNull();
    expect(await store.insights("acme\u0000R", "x")).toEqual([]);
    expect(await store.insightsSince("acme\u0000R", 0)).toEqual([]);
    expect(await store.upsertAgentResult("acme", "m", "a\u0000b", 1, {})).toBe(true);
    expect(await store.upsertAgentResult("acme", "m\u0000a", "b", 1, {})).toBe(true);
  });
});
