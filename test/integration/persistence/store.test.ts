import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "../../../persistence/db.ts";
import { loadMigrations, migrate } from "../../../persistence/migrate.ts";
import { Store } from "../../../persistence/store.ts";
import { PgIdempotencyStore } from "../../../persistence/idempotency.ts";
import { tempSchema } from "./pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
let store: Store;
beforeAll(async () => {
  db = await tempSchema("store");
  store = new Store(db.sql);
});
afterAll(async () => db.drop());

describe("migrations", () => {
  test("five processes migrating at once apply each file exactly once; a rerun applies nothing", async () => {
    const clients = Array.from({ length: 5 }, () => connect({ url: db.url, schema: db.schema, max: 1 }));
    try {
      const results = await Promise.all(clients.map((c) => migrate(c)));
      const total = loadMigrations().length;
      expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(total);
      const rows = await db.sql<{ version: number }[]>`SELECT version FROM weir_migrations ORDER BY version`;
      expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
      expect((await migrate(db.sql)).applied).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
    }
  });
});

describe("store", () => {
  beforeAll(async () => {
    await migrate(db.sql);
  });

  test("a replayed message is stored once and counted once", async () => {
    const m = { id: "m-1", conversationId: "c-1", text: "My card was charged twice", author: "customer", timestamp: 1_700_000_000_000 };
    expect(await store.upsertMessage("acme", m)).toBe(true);
    expect(await store.upsertMessage("acme", m)).toBe(false);
    const conv = await store.conversation("acme", "c-1");
    expect(conv?.messageCount).toBe(1);
    expect(conv?.messages.map((x) => [x.messageId, x.text, x.sentAt])).toEqual([["m-1", m.text, m.timestamp]]);
  });

  test("insights: replays do not duplicate and lower versions never overwrite higher ones", async () => {
    const base = { messageId: "m-2", conversationId: "c-2" };
    const v1 = await store.upsertInsight("acme", { ...base, version: 1, status: "partial", missing: ["summary"] });
    const v2 = await store.upsertInsight("acme", { ...base, version: 2, status: "final", missing: [] });
    const again1 = await store.upsertInsight("acme", { ...base, version: 1, status: "partial", missing: ["summary"] });
    const again2 = await store.upsertInsight("acme", { ...base, version: 2, status: "final", missing: [] });
    expect([v1.applied, v2.applied, again1.applied, again2.applied]).toEqual([true, true, false, false]);
    expect(v2.seq).toBeGreaterThan(v1.seq);
    expect(again1.seq).toBe(v2.seq);
    const rows = await store.insights("acme", "c-2");
    expect(rows.map((r) => [r.messageId, r.version, r.status])).toEqual([["m-2", 2, "final"]]);
  });

  test("insightsSince returns only later changes, per conversation or tenant-wide, never another tenant's", async () => {
    const a = await store.upsertInsight("acme", { messageId: "m-3", conversationId: "c-3", version: 1, status: "final" });
    await store.upsertInsight("acme", { messageId: "m-4", conversationId: "c-4", version: 1, status: "final" });
    await store.upsertInsight("globex", { messageId: "m-5", conversationId: "c-3", version: 1, status: "final" });
    expect((await store.insightsSince("acme", a.seq - 1, "c-3")).map((r) => r.messageId)).toEqual(["m-3"]);
    expect((await store.insightsSince("acme", a.seq)).map((r) => r.messageId)).toEqual(["m-4"]);
    expect((await store.insightsSince("globex", 0)).map((r) => r.messageId)).toEqual(["m-5"]);
    expect(await store.conversation("globex", "c-1")).toBeNull();
  });

  test("rollups and agent results keep the highest version", async () => {
    expect(await store.upsertRollup("acme", "c-1", 2002, { messages: 2 })).toBe(true);
    expect(await store.upsertRollup("acme", "c-1", 1001, { messages: 1 })).toBe(false);
    expect((await store.conversation("acme", "c-1"))?.rollup).toEqual({ messages: 2 });
    expect(await store.upsertAgentResult("acme", "m-1", "sentiment", 2, { score: -0.5 })).toBe(true);
    expect(await store.upsertAgentResult("acme", "m-1", "sentiment", 1, { score: 0.1 })).toBe(false);
    const [r] = await db.sql`SELECT output FROM agent_results WHERE tenant = 'acme' AND message_id = 'm-1'`;
    expect(r.output).toEqual({ score: -0.5 });
  });

  test("idempotency keys: first claimer owns, concurrent claimers see pending, then the stored response", async () => {
    const idem = new PgIdempotencyStore(db.sql);
    const claims = await Promise.all([1, 2, 3].map(() => idem.claim("acme", "k-1", "h")));
    expect(claims.filter((c) => c.state === "owner").length).toBe(1);
    expect(claims.filter((c) => c.state === "pending").length).toBe(2);
    await idem.complete("acme", "k-1", { messageId: "m-9" });
    expect(await idem.claim("acme", "k-1", "h")).toEqual({ state: "done", requestHash: "h", response: { messageId: "m-9" } });
    expect((await idem.claim("globex", "k-1", "h")).state).toBe("owner");
  });
});
