// WebSocket fan-out on Bun's native pub/sub. Topics are tenant-scoped (["t",tenant] for the whole
// tenant, ["c",tenant,conversation] for one conversation, JSON-encoded so no two pairs can share a
// name whatever characters they hold) so a socket can only ever subscribe to its own tenant's data. Each socket's send buffer is bounded: one that grows past the limit (a
// slow reader) is closed with 4008 right after the publish that overfilled it, so it never holds
// back the others. Heartbeats are Bun's own ping/pong (`sendPings`, `idleTimeout`).
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { logger } from "../../engine/log.ts";
import { metrics } from "../../engine/observability/metrics.ts";
import type { StreamEvent } from "../schemas.ts";
import { withoutVault } from "../vault.ts";

const log = logger("api");
const m = {
  connections: metrics.gauge("weir_ws_connections", "Open WebSocket subscribers"),
  dropped: metrics.counter("weir_ws_dropped_total", "WebSocket subscribers closed as slow consumers (4008)"),
  published: metrics.counter("weir_ws_published_total", "Events published to WebSocket topics"),
};

export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_UNAUTHORIZED = 4401;

export interface WsData {
  tenant: string;
  /** Set for /ws/conversations/:id; absent for the tenant-wide stream. */
  conversationId?: string;
  since?: number;
  topic: string;
  /** Set for /ws/topics/:topic (embedded mode only): the Kafka-style topic this socket tails. */
  tail?: string;
  /** Stops the tail's reader when the socket closes. */
  stopTail?: () => void;
}

export interface WsHubOptions {
  maxBufferedBytes: number;
  idleTimeoutS: number;
  /** Missed events after `since`, read from the store when a client reconnects. */
  catchUp?: (tenant: string, since: number, conversationId?: string) => Promise<StreamEvent[]>;
  /** Streams a topic's records to a /ws/topics/:topic socket; returns how to stop. */
  tail?: (ws: ServerWebSocket<WsData>) => () => void;
}

export const tenantTopic = (tenant: string) => JSON.stringify(["t", tenant]);
export const conversationTopic = (tenant: string, conversationId: string) => JSON.stringify(["c", tenant, conversationId]);
/** A generation job's progress feed (/ws/jobs/:id). */
export const jobTopic = (tenant: string, jobId: string) => JSON.stringify(["j", tenant, jobId]);

export class WsHub {
  private server: Server<WsData> | null = null;
  private readonly sockets = new Map<string, Set<ServerWebSocket<WsData>>>();
  readonly stats = { connected: 0, dropped: 0, published: 0 };
  /** Observers of slow-consumer drops (metrics, tests). */
  onDrop?: (data: WsData, bufferedBytes: number) => void;

  constructor(private readonly opts: WsHubOptions) {}

  attach(server: Server<WsData>): void {
    this.server = server;
  }

  /** Publishes one event to the conversation's subscribers and the tenant-wide stream. */
  publish(event: StreamEvent): void {
    if (!this.server) return;
    const data = JSON.stringify(withoutVault(event));
    this.stats.published++;
    m.published.inc();
    for (const topic of [conversationTopic(event.tenant, event.conversationId), tenantTopic(event.tenant)]) {
      const subs = this.sockets.get(topic);
      if (!subs?.size) continue;
      this.server.publish(topic, data);
      for (const ws of subs) if (ws.getBufferedAmount() > this.opts.maxBufferedBytes) this.drop(ws);
    }
  }

  /** Publishes a generation job's progress to its subscribers (/ws/jobs/:id). */
  publishJob(tenant: string, jobId: string, event: Record<string, unknown>): void {
    const topic = jobTopic(tenant, jobId);
    const subs = this.sockets.get(topic);
    if (!this.server || !subs?.size) return;
    this.stats.published++;
    m.published.inc();
    this.server.publish(topic, JSON.stringify(event));
    for (const ws of subs) if (ws.getBufferedAmount() > this.opts.maxBufferedBytes) this.drop(ws);
  }

  private drop(ws: ServerWebSocket<WsData>) {
    const buffered = ws.getBufferedAmount();
    this.forget(ws);
    this.stats.dropped++;
    m.dropped.inc();
    log.warn("dropping slow WebSocket consumer", { tenant: ws.data.tenant, topic: ws.data.topic, buffered });
    this.onDrop?.(ws.data, buffered);
    ws.close(CLOSE_SLOW_CONSUMER, "slow consumer: send buffer full");
  }

  private forget(ws: ServerWebSocket<WsData>) {
    const set = this.sockets.get(ws.data.topic);
    if (set?.delete(ws)) m.connections.set(undefined, --this.stats.connected);
    if (set && !set.size) this.sockets.delete(ws.data.topic);
  }

  connections(): number {
    return this.stats.connected;
  }

  /** The handler object for Bun.serve({ websocket }). */
  handler(): WebSocketHandler<WsData> {
    return {
      idleTimeout: this.opts.idleTimeoutS,
      sendPings: true,
      // Above our own limit so Bun never silently discards; we close the socket ourselves instead.
      backpressureLimit: this.opts.maxBufferedBytes * 4 + 1_048_576,
      closeOnBackpressureLimit: true,
      open: async (ws) => {
        if (ws.data.tail) {
          if (this.opts.tail) ws.data.stopTail = this.opts.tail(ws);
          else ws.close(1011, "topic tail not available");
          return;
        }
        // Subscribe before reading the store so nothing falls in between; a client may see an
        // event twice and drops any seq it already has.
        ws.subscribe(ws.data.topic);
        let set = this.sockets.get(ws.data.topic);
        if (!set) this.sockets.set(ws.data.topic, (set = new Set()));
        set.add(ws);
        m.connections.set(undefined, ++this.stats.connected);
        ws.send(JSON.stringify({ type: "hello", seq: ws.data.since ?? 0, tenant: ws.data.tenant, conversationId: ws.data.conversationId ?? "", data: { topic: ws.data.conversationId ? "conversation" : "stream" } } satisfies StreamEvent));
        if (ws.data.since !== undefined && this.opts.catchUp) {
          try {
            for (const e of await this.opts.catchUp(ws.data.tenant, ws.data.since, ws.data.conversationId)) ws.send(JSON.stringify(withoutVault(e)));
          } catch (err) {
            log.error("WebSocket catch-up failed", { err });
            ws.close(1011, "catch-up failed");
          }
        }
      },
      message: () => {
        // Subscribers only listen; client messages are ignored.
      },
      close: (ws) => {
        if (ws.data.tail) return ws.data.stopTail?.();
        this.forget(ws);
      },
    };
  }
}
