// Stores message embeddings in Qdrant for "similar conversations". The collection is created at
// start; upserts are batched with point ids derived deterministically from the message id (a
// replay overwrites the same point). Embeddings come from the aggregated result
// (`outputs.embedding.vector`) or from an injected `embed` function.
import { QdrantClient } from "@qdrant/js-client-rest";
import { WeirError } from "../errors.ts";
import { pointId } from "./point-id.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

export interface QdrantSinkOptions {
  url: string;
  collection?: string;
  dimensions: number;
  batchSize?: number;
  /** Computes a vector when the result carries none. */
  embed?: (text: string) => Promise<number[]>;
  client?: QdrantClient;
}

export class QdrantSink implements Sink {
  readonly name = "qdrant";
  readonly client: QdrantClient;
  readonly collection: string;
  constructor(private readonly opts: QdrantSinkOptions) {
    this.client = opts.client ?? new QdrantClient({ url: opts.url, checkCompatibility: false });
    this.collection = opts.collection ?? "weir_messages";
  }

  async start(): Promise<void> {
    const { exists } = await this.client.collectionExists(this.collection);
    if (!exists) {
      try {
        await this.client.createCollection(this.collection, { vectors: { size: this.opts.dimensions, distance: "Cosine" } });
      } catch (e) {
        if (!/already exists/i.test(String((e as Error).message ?? e))) throw e;
      }
      await this.client.createPayloadIndex(this.collection, { field_name: "tenant", field_schema: "keyword", wait: true });
    }
  }

  private async vectorOf(r: SinkRecord): Promise<number[] | null> {
    const v = r.value as Record<string, any>;
    const given = v.outputs?.embedding?.vector;
    if (Array.isArray(given)) return given as number[];
    const text = v.message?.text;
    return this.opts.embed && typeof text === "string" ? this.opts.embed(text) : null;
  }

  async write(records: SinkRecord[]): Promise<void> {
    const points: Array<{ id: string; vector: number[]; payload: Record<string, unknown> }> = [];
    for (const r of records) {
      if (r.kind !== "message") continue;
      const vector = await this.vectorOf(r);
      if (!vector) continue;
      points.push({ id: pointId(r.tenant, r.key), vector, payload: { tenant: r.tenant, messageId: r.key, conversationId: String((r.value as Record<string, unknown>).conversationId ?? ""), version: r.version } });
    }
    const size = this.opts.batchSize ?? 256;
    for (let i = 0; i < points.length; i += size) {
      try {
        await this.client.upsert(this.collection, { wait: true, points: points.slice(i, i + size) });
      } catch (e) {
        throw new WeirError("SINK_FAILED", `qdrant upsert failed: ${(e as Error).message}`, { cause: e, retriable: true });
      }
    }
  }

  /** Conversations nearest to `conversationId`'s latest embedded message, within the tenant. */
  async similarConversations(tenant: string, conversationId: string, limit = 10): Promise<Array<{ conversationId: string; score: number }>> {
    const filter = { must: [{ key: "tenant", match: { value: tenant } }] };
    const own = await this.client.scroll(this.collection, { filter: { must: [...filter.must, { key: "conversationId", match: { value: conversationId } }] }, with_vector: true, with_payload: true, limit: 1 });
    const vector = own.points[0]?.vector;
    if (!Array.isArray(vector)) return [];
    const res = await this.client.query(this.collection, { query: vector as number[], filter: { must: filter.must, must_not: [{ key: "conversationId", match: { value: conversationId } }] }, limit: limit * 4, with_payload: true });
    const best = new Map<string, number>();
    for (const h of res.points) {
      const c = String(h.payload?.conversationId ?? "");
      if (c && !best.has(c)) best.set(c, h.score);
    }
    return [...best].slice(0, limit).map(([c, score]) => ({ conversationId: c, score }));
  }

  async health(): Promise<ComponentHealth> {
    try {
      await this.client.collectionExists(this.collection);
      return { name: this.name, ok: true };
    } catch (e) {
      return { name: this.name, ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {}
}
