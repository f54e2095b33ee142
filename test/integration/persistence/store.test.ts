import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "../../../persistence/db.ts";
import { loadMigrations, migrate } from "../../../persistence/migrate.ts";
import { Store } from "../../../persistence/store.ts";
import { PgIdempotencyStore } from "../../../persistence/idempotency.ts";
import { tempSchema } from "./pg-schema.ts";
import { insightStoreContract } from "../../helpers/insight-store-contract.ts";

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

  insightStoreContract(() => store);

  test("agent results land in their own table, the highest version kept", async () => {
    await store.upsertAgentResult("acme", "m-10", "sentiment", 2, { score: -0.5 });
    await store.upsertAgentResult("acme", "m-10", "sentiment", 1, { score: 0.1 });
    const [r] = await db.sql`SELECT output, version FROM agent_results WHERE tenant = 'acme' AND message_id = 'm-10'`;
    expect([r.output, r.version]).toEqual([{ score: -0.5 }, 2]);
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
