// LLM usage accounting in real PostgreSQL: the 0100 migration, inserts and the tenant's spend.
import { describe, expect, test } from "bun:test";
import { PgUsageStore } from "../../../../agents/llm/usage-store.ts";
import { migrate } from "../../../../persistence/migrate.ts";
import { tempSchema } from "../../persistence/pg-schema.ts";

describe("PgUsageStore", () => {
  test("records usage and sums a tenant's spend", async () => {
    const db = await tempSchema("llm");
    try {
      await migrate(db.sql);
      const store = new PgUsageStore(db.sql);
      const row = { agent: "summary", provider: "openai", model: "gpt-4o-mini", promptId: "summary@v1", inputTokens: 1000, outputTokens: 200, at: Date.now() };
      await store.record({ ...row, tenant: "acme", costUsd: 0.00027 });
      await store.record({ ...row, tenant: "acme", costUsd: 0.5 });
      await store.record({ ...row, tenant: "globex", costUsd: 2 });
      expect(await store.spent("acme")).toBeCloseTo(0.50027, 6);
      expect(await store.spent("globex")).toBe(2);
      expect(await store.spent("nobody")).toBe(0);
      const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM llm_usage WHERE tenant = 'acme' AND prompt_id = 'summary@v1'`;
      expect(n).toBe(2);
    } finally {
      await db.drop();
    }
  });
});
