// The `postgres` sink: writes aggregated results through an InsightStore — PostgreSQL, or memory in
// embedded mode — the message, each agent's output, the versioned insight and the conversation
// rollup. Every write is an idempotent, version-guarded upsert, so the runtime may replay a batch
// after a crash without duplicates or regressions.
import type { InsightStore } from "../contracts/insight-store.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";
import { presentRollup } from "./rollup-view.ts";

export class PostgresSink implements Sink {
  readonly name: string;
  constructor(private readonly store: InsightStore, name = "postgres") {
    this.name = name;
  }

  async start(): Promise<void> {
    await this.store.prepare();
  }

  async write(records: SinkRecord[]): Promise<void> {
    for (const r of records) {
      const v = r.value as Record<string, unknown>;
      if (r.kind === "message") {
        const msg = v.message as Record<string, unknown> | undefined;
        const conversationId = String(v.conversationId ?? msg?.conversationId ?? "");
        if (msg && typeof msg.text === "string") await this.store.upsertMessage(r.tenant, { ...msg, id: r.key, conversationId, text: msg.text } as never);
        for (const [agent, output] of Object.entries((v.outputs as Record<string, unknown>) ?? {})) await this.store.upsertAgentResult(r.tenant, r.key, agent, r.version, output);
        await this.store.upsertInsight(r.tenant, { ...v, messageId: r.key, conversationId, version: r.version, status: String(v.status ?? "final") });
      } else if (r.kind === "rollup") {
        await this.store.upsertRollup(r.tenant, r.key, r.version, presentRollup(v));
      } else if (r.kind === "record" && typeof v.text === "string") {
        await this.store.upsertMessage(r.tenant, { ...v, id: r.key, conversationId: String(v.conversationId ?? r.key), text: v.text } as never);
      }
    }
  }

  async health(): Promise<ComponentHealth> {
    const t0 = performance.now();
    try {
      await this.store.ping();
      return { name: this.name, ok: true, latencyMs: performance.now() - t0 };
    } catch (e) {
      return { name: this.name, ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {}
}
