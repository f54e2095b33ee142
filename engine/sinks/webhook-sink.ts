// Delivers records (typically alerts) to an HTTP endpoint, signed like alert webhooks
// (X-Weir-Signature over the raw body, X-Weir-Timestamp) and retried with backoff.
import { sendWebhook } from "../aggregator/alerts.ts";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Sink, SinkRecord } from "./sink.ts";

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  /** Only these record kinds are sent (default: all). */
  kinds?: string[];
  clock?: Clock;
  attempts?: number;
}

export class WebhookSink implements Sink {
  readonly name: string;
  constructor(private readonly opts: WebhookSinkOptions, name = "webhook") {
    this.name = name;
  }
  async write(records: SinkRecord[]): Promise<void> {
    for (const r of records) {
      if (this.opts.kinds && !this.opts.kinds.includes(r.kind)) continue;
      // The receiver deduplicates by (tenant, key, version): a replay sends the same triple again.
      await sendWebhook(this.opts.url, { kind: r.kind, tenant: r.tenant, key: r.key, version: r.version, value: r.value }, this.opts.secret, { clock: this.opts.clock ?? systemClock, attempts: this.opts.attempts });
    }
  }
  async close(): Promise<void> {}
}
