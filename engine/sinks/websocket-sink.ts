// Pushes aggregated results to WebSocket subscribers. Each result is first upserted into the store
// (idempotent, version-guarded), which hands back its sequence number; only a result that changed
// the stored row is published, so replays never reach subscribers twice.
// A rollup event carries the seq of the insight it reflects and is published after that insight:
// the runtime hands the result and its rollup over at the same time, so the writes of one
// conversation are chained here (a rollup never overtakes the store write of its insight).
// Clients tell events apart by (type, seq): an insight and its rollup share a seq.
import type { StreamEvent } from "../contracts/stream-event.ts";
import type { InsightStore } from "../contracts/insight-store.ts";
import { presentRollup } from "./rollup-view.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

export interface Publisher {
  publish(event: StreamEvent): void;
  connections?(): number;
}

/** Conversations whose latest insight seq is remembered (for their rollups); older ones are forgotten. */
const MAX_CONVERSATIONS = 10_000;

export class WebSocketSink implements Sink {
  readonly name: string;
  /** Highest seq published. Without a store (development) it is the sequence itself, lost on restart. */
  private seq = 0;
  /** Versions published by this process, so one result is pushed once even when two sinks store it. */
  private readonly published = new Set<string>();
  /** Per conversation: the seq of its latest published insight. */
  private readonly latest = new Map<string, number>();
  /** Per conversation: the tail of its chain of writes. */
  private readonly chains = new Map<string, Promise<void>>();
  constructor(private readonly hub: Publisher, private readonly store?: InsightStore, name = "websocket") {
    this.name = name;
  }

  async write(records: SinkRecord[]): Promise<void> {
    await Promise.all(records.map((r) => this.inOrder(r)));
  }

  /** Runs `r`'s write after the earlier writes of its conversation. */
  private inOrder(r: SinkRecord): Promise<void> {
    const conv = `${r.tenant}\u0000${conversationOf(r)}`;
    const prev = this.chains.get(conv) ?? Promise.resolve();
    const next = prev.then(() => this.writeOne(r, conv));
    const tail = next.catch(() => {});
    this.chains.set(conv, tail);
    void tail.then(() => {
      if (this.chains.get(conv) === tail) this.chains.delete(conv);
    });
    return next;
  }

  private async writeOne(r: SinkRecord, conv: string): Promise<void> {
    const conversationId = conversationOf(r);
    if (r.kind === "message") {
      let seq: number;
      if (this.store) {
        const out = await this.store.upsertInsight(r.tenant, { ...(r.value as Record<string, unknown>), messageId: r.key, conversationId, version: r.version, status: String(r.value.status ?? "final") });
        // Another sink (postgres) may have stored this very version first: publish it once anyway.
        // Only an older version than the stored one (a replay) is skipped.
        if (!out.applied && out.version !== r.version) return;
        const id = `${r.tenant}\u0000${r.key}\u0000${r.version}`;
        if (this.published.has(id)) return;
        this.published.add(id);
        if (this.published.size > 10_000) this.published.delete(this.published.values().next().value!);
        seq = out.seq;
        this.seq = Math.max(this.seq, seq);
      } else seq = ++this.seq;
      this.latest.delete(conv);
      this.latest.set(conv, seq);
      if (this.latest.size > MAX_CONVERSATIONS) this.latest.delete(this.latest.keys().next().value!);
      this.hub.publish({ type: "insight", seq, tenant: r.tenant, conversationId, data: r.value });
    } else if (r.kind === "rollup") {
      // The seq of the insight this rollup reflects (the conversation's latest), so a client that
      // keeps the newest rollup per conversation can order it against what it already has.
      const seq = this.latest.get(conv) ?? this.seq;
      this.hub.publish({ type: "rollup", seq, tenant: r.tenant, conversationId, data: presentRollup(r.value as Record<string, unknown>) });
    }
  }

  async health(): Promise<ComponentHealth> {
    return { name: this.name, ok: true, detail: `${this.hub.connections?.() ?? 0} subscribers` };
  }

  async close(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}

function conversationOf(r: SinkRecord): string {
  return String(r.value.conversationId ?? (r.kind === "rollup" ? r.key : ""));
}
