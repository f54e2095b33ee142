// Realistic support traffic written straight to a topology's source topic, shaped exactly as
// POST /v1/messages writes it (api/app.ts toRecord): value = SupportMessage with tenant and timestamp,
// key = "tenant:conversationId", headers weir.tenant and weir.message-id. Texts come from the eval
// fixture (real-looking tickets with PII), so every agent does its real work.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Producer } from "../../engine/kafka/types.ts";

const FIXTURE = resolve(import.meta.dir, "../fixtures/eval/support-messages.jsonl");
const TEXTS: string[] = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text);

export interface TrafficOptions {
  topic: string;
  /** Message ids are `${prefix}-${n}`: unique per run. */
  prefix: string;
  tenant?: string;
  /** Conversations the messages are spread over (keys, hence partitions). Default 48. */
  conversations?: number;
  /** Messages per second (approximate; sent in small batches). Default 200. */
  rate?: number;
}

/**
 * Produces messages in the background until `stop()` or `total` is reached. `acked` holds the ids
 * Kafka acknowledged (what the API would have answered 202 for), with the time of acknowledgement.
 * @example
 * const traffic = new SupportTraffic(producer, { topic, prefix: "run1" });
 * traffic.start(600);
 * await traffic.done;
 */
export class SupportTraffic {
  readonly acked = new Map<string, number>();
  /** Id → when it was handed to the producer (ms since the epoch). */
  readonly sentAt = new Map<string, number>();
  /** Id → source partition it was written to (from its delivery report). */
  readonly partitionOf = new Map<string, number>();
  readonly failed: string[] = [];
  private n = 0;
  private stopping = false;
  private pending: Promise<unknown>[] = [];
  done: Promise<void> = Promise.resolve();

  constructor(private readonly producer: Producer, private readonly opts: TrafficOptions) {}

  /** Number of messages handed to the producer so far. */
  get sent(): number {
    return this.n;
  }

  /** The message for sequence number `n` (deterministic text and conversation). */
  message(n: number) {
    const conversations = this.opts.conversations ?? 48;
    const conversationId = `${this.opts.prefix}-c${n % conversations}`;
    return {
      id: `${this.opts.prefix}-${n}`,
      conversationId,
      tenant: this.opts.tenant ?? "acme",
      text: TEXTS[n % TEXTS.length],
      author: n % 3 === 2 ? ("agent" as const) : ("customer" as const),
      channel: n % 2 ? "email" : "chat",
      timestamp: Date.now(),
    };
  }

  /** Starts producing `total` messages (Infinity: until stop()) at the configured rate. */
  start(total = Infinity): this {
    this.stopping = false;
    const rate = this.opts.rate ?? 200;
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    this.done = (async () => {
      const t0 = Date.now();
      let ticks = 0;
      while (!this.stopping && this.n < total) {
        const batch = Array.from({ length: Math.min(perTick, total - this.n) }, () => this.message(this.n++));
        this.pending.push(this.send(batch));
        ticks++;
        // Pacing of the load generator (not a wait in a test): keep to `rate` on average.
        const ahead = t0 + ticks * tickMs - Date.now();
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
      await Promise.all(this.pending);
    })();
    return this;
  }

  /** Sends a batch now and waits for its acknowledgements; returns the acknowledged ids. */
  async sendNow(count: number): Promise<string[]> {
    const batch = Array.from({ length: count }, () => this.message(this.n++));
    return this.send(batch);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  private async send(batch: ReturnType<SupportTraffic["message"]>[]): Promise<string[]> {
    const now = Date.now();
    for (const m of batch) this.sentAt.set(m.id, now);
    const records = batch.map((m) => ({
      topic: this.opts.topic,
      key: `${m.tenant}:${m.conversationId}`,
      value: JSON.stringify(m),
      headers: { "weir.tenant": m.tenant, "weir.message-id": m.id },
    }));
    const ok: string[] = [];
    try {
      const reports = await this.producer.send(records);
      reports.forEach((r, i) => {
        if (r.error) this.failed.push(batch[i].id);
        else {
          this.acked.set(batch[i].id, Date.now());
          this.partitionOf.set(batch[i].id, r.partition);
          ok.push(batch[i].id);
        }
      });
    } catch {
      for (const m of batch) this.failed.push(m.id);
    }
    return ok;
  }
}
