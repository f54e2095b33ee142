// The behaviour every InsightStore shares (PostgreSQL and memory): idempotent, version-guarded
// upserts and tenant-scoped reads. Each implementation's test file runs it against a fresh store.
import { expect, test } from "bun:test";
import type { InsightStore } from "../../persistence/insight-store.ts";

export function insightStoreContract(store: () => InsightStore) {
  test("a replayed message is stored once and counted once", async () => {
    const m = { id: "m-1", conversationId: "c-1", text: "My card was charged twice", author: "customer", timestamp: 1_700_000_000_000 };
    expect(await store().upsertMessage("acme", m)).toBe(true);
    expect(await store().upsertMessage("acme", m)).toBe(false);
    const conv = await store().conversation("acme", "c-1");
    expect(conv?.messageCount).toBe(1);
    expect(conv?.messages.map((x) => [x.messageId, x.text, x.sentAt, x.author])).toEqual([["m-1", m.text, m.timestamp, "customer"]]);
  });

  test("insights: replays do not duplicate and lower versions never overwrite higher ones", async () => {
    const base = { messageId: "m-2", conversationId: "c-2" };
    const v1 = await store().upsertInsight("acme", { ...base, version: 1, status: "partial", missing: ["summary"] });
    const v2 = await store().upsertInsight("acme", { ...base, version: 2, status: "final", missing: [] });
    const again1 = await store().upsertInsight("acme", { ...base, version: 1, status: "partial", missing: ["summary"] });
    const again2 = await store().upsertInsight("acme", { ...base, version: 2, status: "final", missing: [] });
    expect([v1.applied, v2.applied, again1.applied, again2.applied]).toEqual([true, true, false, false]);
    expect(v2.seq).toBeGreaterThan(v1.seq);
    expect(again1.seq).toBe(v2.seq);
    expect(again1.version).toBe(2);
    const rows = await store().insights("acme", "c-2");
    expect(rows.map((r) => [r.messageId, r.version, r.status, (r.result as { missing: string[] }).missing])).toEqual([["m-2", 2, "final", []]]);
  });

  test("insightsSince returns only later changes, per conversation or tenant-wide, never another tenant's", async () => {
    const a = await store().upsertInsight("acme", { messageId: "m-3", conversationId: "c-3", version: 1, status: "final" });
    await store().upsertInsight("acme", { messageId: "m-4", conversationId: "c-4", version: 1, status: "final" });
    await store().upsertInsight("globex", { messageId: "m-5", conversationId: "c-3", version: 1, status: "final" });
    expect((await store().insightsSince("acme", a.seq - 1, "c-3")).map((r) => r.messageId)).toEqual(["m-3"]);
    expect((await store().insightsSince("acme", a.seq)).map((r) => r.messageId)).toEqual(["m-4"]);
    expect((await store().insightsSince("globex", 0)).map((r) => r.messageId)).toEqual(["m-5"]);
    expect(await store().conversation("globex", "c-1")).toBeNull();
  });

  test("insights of a conversation come oldest change first; an updated one moves to the end", async () => {
    for (const id of ["m-6", "m-7", "m-8"]) await store().upsertInsight("acme", { messageId: id, conversationId: "c-6", version: 1, status: "partial" });
    await store().upsertInsight("acme", { messageId: "m-6", conversationId: "c-6", version: 2, status: "final" });
    expect((await store().insights("acme", "c-6")).map((r) => `${r.messageId}@${r.version}`)).toEqual(["m-7@1", "m-8@1", "m-6@2"]);
    expect((await store().insights("acme", "c-6", 2)).map((r) => r.messageId)).toEqual(["m-7", "m-8"]);
  });

  test("rollups and agent results keep the highest version; a rollup alone makes a conversation visible", async () => {
    expect(await store().upsertRollup("acme", "c-1", 2002, { messages: 2 })).toBe(true);
    expect(await store().upsertRollup("acme", "c-1", 1001, { messages: 1 })).toBe(false);
    expect((await store().conversation("acme", "c-1"))?.rollup).toEqual({ messages: 2 });
    expect(await store().upsertAgentResult("acme", "m-1", "sentiment", 2, { score: -0.5 })).toBe(true);
    expect(await store().upsertAgentResult("acme", "m-1", "sentiment", 1, { score: 0.1 })).toBe(false);
    expect(await store().upsertAgentResult("acme", "m-1", "sentiment", 2, { score: -0.5 })).toBe(false);
    expect(await store().upsertRollup("acme", "c-9", 1001, { messages: 1 })).toBe(true);
    const c9 = await store().conversation("acme", "c-9");
    expect([c9?.messageCount, c9?.messages, c9?.rollup]).toEqual([0, [], { messages: 1 }]);
  });
}
