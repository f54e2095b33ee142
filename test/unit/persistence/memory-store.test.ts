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
