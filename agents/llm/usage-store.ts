// Token and cost accounting per tenant and agent: in memory, or in PostgreSQL (table llm_usage,
// migration persistence/migrations/0100_llm_usage.sql). With PostgreSQL every weir process reads the
// same spend, so a tenant's budget holds across processes (wired by app/compose.ts when DATABASE_URL
// is set).
import type { Sql } from "postgres";

export interface UsageRecord {
  tenant: string;
  agent: string;
  provider: string;
  model: string;
  promptId: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  at: number;
}

export interface UsageStore {
  record(r: UsageRecord): Promise<void>;
  /** USD spent by the tenant so far (the budget window is the store's concern). */
  spent(tenant: string): Promise<number>;
}

export class MemoryUsageStore implements UsageStore {
  readonly rows: UsageRecord[] = [];
  async record(r: UsageRecord) {
    this.rows.push(r);
  }
  async spent(tenant: string) {
    return this.rows.filter((r) => r.tenant === tenant).reduce((s, r) => s + r.costUsd, 0);
  }
}

export class PgUsageStore implements UsageStore {
  /** A pool, or an owner of one whose pool may be replaced after connection failures (persistence/store.ts). */
  constructor(private readonly db: Sql | { readonly sql: Sql }) {}
  private get sql(): Sql {
    return "sql" in this.db ? this.db.sql : this.db;
  }
  async record(r: UsageRecord) {
    await this.sql`INSERT INTO llm_usage (tenant, agent, provider, model, prompt_id, input_tokens, output_tokens, cost_usd, at)
      VALUES (${r.tenant}, ${r.agent}, ${r.provider}, ${r.model}, ${r.promptId}, ${r.inputTokens}, ${r.outputTokens}, ${r.costUsd}, to_timestamp(${r.at / 1000}))`;
  }
  async spent(tenant: string) {
    const [row] = await this.sql<{ usd: string | null }[]>`SELECT sum(cost_usd) AS usd FROM llm_usage WHERE tenant = ${tenant} AND at >= date_trunc('month', now())`;
    return Number(row?.usd ?? 0);
  }
}
