// Indexes aggregated results into Elasticsearch for full-text search (`GET /v1/search`). An index
// template is put at start; writes are bulk requests with the message id as document id and an
// external version, so replays and older versions are no-ops (409 per item, treated as success).
import { Client, HttpConnection } from "@elastic/elasticsearch";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { backoffMs } from "../backoff.ts";
import { WeirError } from "../errors.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

export interface ElasticsearchSinkOptions {
  url: string;
  /** Index name prefix; documents go to `<prefix>-messages`. Default "weir". */
  prefix?: string;
  attempts?: number;
  clock?: Clock;
  client?: Client;
}

export interface MessageHit {
  messageId: string;
  conversationId: string;
  score: number;
  text?: string;
  summary?: string;
}

export class ElasticsearchSink implements Sink {
  readonly name = "elasticsearch";
  readonly client: Client;
  readonly index: string;
  private readonly clock: Clock;
  constructor(private readonly opts: ElasticsearchSinkOptions) {
    // The client's default undici connection fails under Bun before sending anything
    // ("undefined is not an object (evaluating 'response.headers')"); the node:http one works.
    this.client = opts.client ?? new Client({ node: opts.url, Connection: HttpConnection });
    this.index = `${opts.prefix ?? "weir"}-messages`;
    this.clock = opts.clock ?? systemClock;
  }

  async start(): Promise<void> {
    await this.client.indices.putIndexTemplate({
      name: `${this.index}-template`,
      index_patterns: [`${this.index}*`],
      template: {
        settings: { number_of_shards: 1 },
        mappings: {
          dynamic: false,
          properties: {
            tenant: { type: "keyword" },
            messageId: { type: "keyword" },
            conversationId: { type: "keyword" },
            status: { type: "keyword" },
            version: { type: "integer" },
            text: { type: "text" },
            summary: { type: "text" },
            sentiment: { type: "keyword" },
            intent: { type: "keyword" },
            timestamp: { type: "date", format: "epoch_millis" },
          },
        },
      },
    });
    if (!(await this.client.indices.exists({ index: this.index }))) await this.client.indices.create({ index: this.index }).catch((e) => {
      if (!/resource_already_exists/.test(String(e))) throw e;
    });
  }

  /** Documents are per tenant and message: `_id` = tenant/messageId. */
  private doc(r: SinkRecord) {
    const v = r.value as Record<string, any>;
    return {
      tenant: r.tenant,
      messageId: r.key,
      conversationId: String(v.conversationId ?? ""),
      status: v.status,
      version: r.version,
      text: v.message?.text,
      summary: v.outputs?.summary?.summary,
      sentiment: v.outputs?.sentiment?.label,
      intent: v.outputs?.insights?.intent,
      timestamp: r.timestamp,
    };
  }

  async write(records: SinkRecord[]): Promise<void> {
    const msgs = records.filter((r) => r.kind === "message");
    if (!msgs.length) return;
    const attempts = this.opts.attempts ?? 5;
    let pending = msgs;
    for (let i = 1; ; i++) {
      const operations = pending.flatMap((r) => [{ index: { _index: this.index, _id: `${r.tenant}/${r.key}`, version: r.version, version_type: "external" as const } }, this.doc(r)]);
      let retry: SinkRecord[] = [];
      try {
        const res = await this.client.bulk({ operations, refresh: false });
        res.items.forEach((it, k) => {
          const st = it.index?.status ?? 500;
          // 409: the stored version is the same or newer — a replay, already done.
          if (st >= 300 && st !== 409) retry.push(pending[k]);
        });
      } catch (e) {
        retry = pending;
        if (i >= attempts) throw new WeirError("SINK_FAILED", `elasticsearch bulk failed: ${(e as Error).message}`, { cause: e, retriable: true });
      }
      if (!retry.length) return;
      if (i >= attempts) throw new WeirError("SINK_FAILED", `elasticsearch rejected ${retry.length} documents`, { retriable: true });
      pending = retry;
      await this.clock.sleep(backoffMs(i, { initialMs: 100, maxMs: 5_000 }));
    }
  }

  /** Full-text search within one tenant. */
  async search(tenant: string, q: string, limit = 20): Promise<MessageHit[]> {
    const res = await this.client.search<Record<string, any>>({
      index: this.index,
      size: limit,
      query: { bool: { filter: [{ term: { tenant } }], must: [{ multi_match: { query: q, fields: ["text", "summary^2"] } }] } },
    });
    return res.hits.hits.map((h) => ({ messageId: h._source!.messageId, conversationId: h._source!.conversationId, score: h._score ?? 0, text: h._source!.text, summary: h._source!.summary }));
  }

  async health(): Promise<ComponentHealth> {
    try {
      const h = await this.client.cluster.health();
      return { name: this.name, ok: h.status !== "red", detail: h.status };
    } catch (e) {
      return { name: this.name, ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
