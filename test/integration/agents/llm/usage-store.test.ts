// LLM usage accounting in real PostgreSQL: the 0100 migration, inserts and the tenant's spend, and
// the gateway `weir run` builds when DATABASE_URL is set, whose budgets hold across processes.
import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { composeLlm } from "../../../../app/compose.ts";
import { logger } from "../../../../engine/log.ts";
import { Store } from "../../../../persistence/store.ts";
import { fakeLlmServer } from "../../../fakes/llm-server.ts";
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

describe("weir run's LLM gateway on PostgreSQL (app/compose.ts composeLlm)", () => {
  test("usage reaches llm_usage and a budget spent by one process holds in another", async () => {
    const db = await tempSchema("llmbudget");
    const s = fakeLlmServer("openai", [{ kind: "ok", json: { summary: "Refund asked twice." } }]);
    try {
      const store = new Store(db.sql);
      const env = {
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: `${s.url}/v1`,
        // 120 input + 30 output tokens at $1000/M each: $0.15 a call, over the $0.10 budget after one.
        WEIR_LLM_MODELS: JSON.stringify([{ provider: "openai-compatible", model: "local-llm", input: 1000, output: 1000, tier: 1 }]),
        WEIR_LLM_BUDGETS: "acme:0.10",
        WEIR_LLM_BUDGET_POLICY: "defer",
      };
      const log = logger("test");
      // Two gateways, as two `weir run` processes would build them, on one database.
      const first = (await composeLlm(env, log, undefined, store))!;
      const second = (await composeLlm(env, log, undefined, store))!;
      const req = { agent: "summary", tenant: "acme", promptId: "summary@v1", system: "Summarise.", prompt: "I asked for a refund twice.", schema: Type.Object({ summary: Type.String() }), schemaName: "summary_result" };
      const r = await first.complete(req);
      expect(r.costUsd).toBeCloseTo(0.15, 6);
      const rows = await db.sql`SELECT tenant, agent, provider, model, prompt_id, input_tokens, output_tokens FROM llm_usage`;
      expect(rows.map((x) => ({ ...x }))).toEqual([{ tenant: "acme", agent: "summary", provider: "openai-compatible", model: "local-llm", prompt_id: "summary@v1", input_tokens: 120, output_tokens: 30 }]);
      await expect(second.complete(req)).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED", retriable: true, details: { tenant: "acme" } });
      // Another tenant is not affected.
      expect((await second.complete({ ...req, tenant: "globex" })).text).toContain("Refund");
      expect(s.requests).toHaveLength(2);
    } finally {
      s.stop();
      await db.drop();
    }
  });
});
