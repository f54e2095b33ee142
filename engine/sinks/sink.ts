// Where results leave the pipeline: a topic, PostgreSQL, Elasticsearch, Qdrant, WebSocket, a webhook.
// Writes must be idempotent (keyed by message id and version): the runtime commits an offset only
// after every sink has written it, and replays after a crash write the same rows again.

export interface SinkRecord {
  /** Message id (or conversation id for rollups). */
  key: string;
  tenant: string;
  /** Monotonic per key: a partial result is version 1, later amendments higher. */
  version: number;
  /** What kind of result: "message" (aggregated per-message insight), "rollup" (conversation), "alert". */
  kind: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
  timestamp: number;
  /** Topic sinks: an explicit partition (stage crossings keep their source's partition). */
  partition?: number;
}

export interface ComponentHealth {
  name: string;
  ok: boolean;
  /** Why, in words, or structured figures (a pipeline's counters and lag) that /ready serves as JSON. */
  detail?: string | Record<string, unknown>;
  latencyMs?: number;
}

export interface Sink {
  readonly name: string;
  start?(): Promise<void>;
  /** Writes a batch; throws a WeirError (retriable when a retry may help) on failure. */
  write(records: SinkRecord[]): Promise<void>;
  health?(): Promise<ComponentHealth>;
  close(): Promise<void>;
}
