// Token and cost accounting per tenant and agent: in memory, or in PostgreSQL (table llm_usage,
// migration persistence/migrations/0100_llm_usage.sql).
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
  constructor(private readonly sql: Sql) {}
  async record(r: UsageRecord) {
    await this.sql`INSERT INTO llm_usage (tenant, agent, provider, model, prompt_id, input_tokens, output_tokens, cost_usd, at)
      VALUES (${r.tenant}, ${r.agent}, ${r.provider}, ${r.model}, ${r.promptId}, ${r.inputTokens}, ${r.outputTokens}, ${r.costUsd}, to_timestamp(${r.at / 1000}))`;
  }
  async spent(tenant: string) {
    const [row] = await this.sql<{ usd: string | null }[]>`SELECT sum(cost_usd) AS usd FROM llm_usage WHERE tenant = ${tenant} AND at >= date_trunc('month', now())`;
    return Number(row?.usd ?? 0);
  }
}
