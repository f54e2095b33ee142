// Pushes aggregated results to WebSocket subscribers. Each result is first upserted into the store
// (idempotent, version-guarded), which hands back its sequence number; only a result that changed
// the stored row is published, so replays never reach subscribers twice.
import type { StreamEvent } from "../contracts/stream-event.ts";
import type { InsightStore } from "../contracts/insight-store.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

export interface Publisher {
  publish(event: StreamEvent): void;
  connections?(): number;
}

export class WebSocketSink implements Sink {
  readonly name: string;
  /** Highest seq published. Without a store (development) it is the sequence itself, lost on restart. */
  private seq = 0;
  /** Versions published by this process, so one result is pushed once even when two sinks store it. */
  private readonly published = new Set<string>();
  constructor(private readonly hub: Publisher, private readonly store?: InsightStore, name = "websocket") {
    this.name = name;
  }

  async write(records: SinkRecord[]): Promise<void> {
    for (const r of records) {
      const conversationId = String(r.value.conversationId ?? (r.kind === "rollup" ? r.key : ""));
      if (r.kind === "message") {
        let seq: number;
        if (this.store) {
          const out = await this.store.upsertInsight(r.tenant, { ...(r.value as Record<string, unknown>), messageId: r.key, conversationId, version: r.version, status: String(r.value.status ?? "final") });
          // Another sink (postgres) may have stored this very version first: publish it once anyway.
          // Only an older version than the stored one (a replay) is skipped.
          if (!out.applied && out.version !== r.version) continue;
          const id = `${r.tenant}\u0000${r.key}\u0000${r.version}`;
          if (this.published.has(id)) continue;
          this.published.add(id);
          if (this.published.size > 10_000) this.published.delete(this.published.values().next().value!);
          seq = out.seq;
          this.seq = Math.max(this.seq, seq);
        } else seq = ++this.seq;
        this.hub.publish({ type: "insight", seq, tenant: r.tenant, conversationId, data: r.value });
      } else if (r.kind === "rollup") {
        // Rollups are derived state; they carry the latest insight seq so clients can order them.
        this.hub.publish({ type: "rollup", seq: this.seq, tenant: r.tenant, conversationId, data: r.value });
      }
    }
  }

  async health(): Promise<ComponentHealth> {
    return { name: this.name, ok: true, detail: `${this.hub.connections?.() ?? 0} subscribers` };
  }

  async close(): Promise<void> {}
}
