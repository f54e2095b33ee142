// Everything a pipeline writes to its sinks. Topic outputs from one turn of the event loop go to the
// producer as one batch (one FFI call); other sinks (PostgreSQL, WebSocket, ...) get one record at a
// time. Retriable or not, a failed write is retried with backoff until it succeeds or the pipeline
// closes: nothing is dropped, and the record it belongs to stays uncommitted meanwhile.
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import { WeirError, toWeirError } from "../errors.ts";
import { field, scalarKey } from "../operators/field.ts";
import type { Logger } from "../log.ts";
import type { ProduceRecord, Producer } from "../kafka/types.ts";
import type { Sink as SinkSpec } from "../../topology/schema.ts";
import type { Sink, SinkRecord } from "../sinks/sink.ts";
import type { Envelope, StageEnvelope } from "./envelope.ts";
import { meters } from "./meters.ts";

const dec = new TextDecoder();

export function traceparentOf(env: Envelope): string | undefined {
  const h = env.headers.find(([k]) => k === "traceparent");
  return h ? dec.decode(h[1]) : undefined;
}

export interface SinkWriterOptions {
  specs: SinkSpec[];
  sinks: Record<string, Sink>;
  producer: () => Producer;
  clock: Clock;
  log: Logger;
  /** True once the pipeline has closed its producer: retry loops give up (the records stay uncommitted). */
  closed: () => boolean;
}

/** A topic sink's value by its serde: json (default), string, number (decimal text, as a count reads), bytes (from base64). */
export function serialize(spec: SinkSpec, v: unknown): string | Uint8Array | null {
  if (v === undefined || v === null) return null;
  switch (spec.serde) {
    case "string":
      return typeof v === "string" ? v : JSON.stringify(v);
    case "number": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isFinite(n)) throw new WeirError("SERDE_FAILED", `sink ${spec.name}: serde number needs a number, got ${typeof v}`);
      return String(n);
    }
    case "bytes":
      return typeof v === "string" ? Buffer.from(v, "base64") : new TextEncoder().encode(JSON.stringify(v));
    default:
      return JSON.stringify(v);
  }
}

export class SinkWriter {
  private readonly specs: Map<string, SinkSpec>;
  private queue: Array<{ record: ProduceRecord; done: (err: unknown) => void }> = [];
  private flushTimer: ReturnType<typeof setImmediate> | null = null;

  constructor(private readonly o: SinkWriterOptions) {
    this.specs = new Map(o.specs.map((s) => [s.name, s]));
  }

  spec(name: string): SinkSpec | undefined {
    return this.specs.get(name);
  }

  /**
   * What a sink fed by a source, operator or agent writes: the record (with the agent's output
   * merged in), or for a stage crossing the whole envelope, keyed and partitioned like its source.
   */
  static record(spec: SinkSpec, env: Envelope, output: Record<string, unknown> = {}): SinkRecord {
    const base = { tenant: String(env.value.tenant ?? "default"), version: 1, timestamp: env.timestamp };
    if (spec.format === "envelope") {
      const traceparent = traceparentOf(env);
      const crossing: StageEnvelope = { v: 1, key: env.key, value: env.value, outputs: env.outputs, origin: env.origin, ...(env.failed?.length ? { failed: env.failed } : {}) };
      return { ...base, key: env.key, kind: "envelope", value: crossing as unknown as Record<string, unknown>, headers: traceparent ? { traceparent } : {}, partition: env.origin.partition };
    }
    // The record's key (after any keyBy or groupBy), or the field the sink names.
    const key = spec.key ? scalarKey(field(env.value, spec.key)) : env.key;
    return { ...base, key: key ?? env.key, kind: "record", value: { ...env.value, ...output }, headers: {} };
  }

  /** Queues a record for the next producer batch; `done` gets null once acknowledged, or the error. */
  private enqueue(record: ProduceRecord, done: (err: unknown) => void) {
    this.queue.push({ record, done });
    if (this.queue.length >= 5000) this.flush();
    else this.flushTimer ??= setImmediate(() => this.flush());
  }

  /** Sends what is queued now. */
  flush() {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    this.o.producer().send(batch.map((b) => b.record)).then(
      (reports) => {
        const perTopic = new Map<string, number>();
        reports.forEach((r, i) => {
          if (r.error) return batch[i].done(r.error);
          perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
          batch[i].done(null);
        });
        for (const [topic, n] of perTopic) meters.produced.inc({ topic }, n);
      },
      (e) => batch.forEach((b) => b.done(e ?? new Error("produce failed"))),
    );
  }

  private produce(record: ProduceRecord): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(record, (err) => (err ? reject(err) : resolve())));
  }

  /** One record to one topic sink, then `release` — with no promise per record on the hot path. */
  writeTopic(spec: SinkSpec, rec: SinkRecord, release: () => void) {
    let record: ProduceRecord;
    try {
      record = this.topicRecord(spec, rec);
    } catch (e) {
      // A value the sink's serde cannot write (a non-number for serde: number) can never succeed.
      this.o.log.error("sink cannot serialize a record; skipped", { sink: spec.name, key: rec.key, code: toWeirError(e).code, error: (e as Error).message });
      return release();
    }
    this.enqueue(record, (err) => {
      if (!err) return release();
      if (this.failed(spec, err, 0)) void this.writeOne(spec, rec, 1).finally(release);
      else release();
    });
  }

  /** Writes one record to the named sinks, retrying failures without end (nothing is dropped). */
  write(names: string[], rec: SinkRecord): Promise<void> {
    // The common case — one topic sink — goes straight to the producer batch; retries only on failure.
    if (names.length === 1) {
      const spec = this.specs.get(names[0])!;
      if (spec.type === "topic") return this.produce(this.topicRecord(spec, rec)).catch((e) => (this.failed(spec, e, 0) ? this.writeOne(spec, rec, 1) : undefined));
      return this.writeOne(spec, rec, 0);
    }
    return Promise.all(names.map((name) => this.writeOne(this.specs.get(name)!, rec, 0))).then(() => {});
  }

  /**
   * A topic sink's record. Results (per-message, rollup) carry their kind, version and tenant as
   * headers for consumers that route on them; a plain record passes through with its own headers only.
   */
  private topicRecord(spec: SinkSpec, rec: SinkRecord): ProduceRecord {
    const headers = rec.kind === "record" ? rec.headers : { ...rec.headers, "weir.kind": rec.kind, "weir.version": String(rec.version), "weir.tenant": rec.tenant };
    const value = rec.kind === "record" ? serialize(spec, spec.value ? field(rec.value, spec.value) : rec.value) : JSON.stringify(rec.value);
    return { topic: spec.topic!, key: rec.key, value, ...(rec.partition !== undefined ? { partition: rec.partition } : {}), headers };
  }

  private async writeOne(spec: SinkSpec, rec: SinkRecord, firstAttempt: number): Promise<void> {
    for (let i = firstAttempt; ; i++) {
      if (i > 0) await this.o.clock.sleep(backoffMs(i, { initialMs: 100, maxMs: 10_000 }));
      try {
        if (spec.type === "topic") await this.produce(this.topicRecord(spec, rec));
        else await this.o.sinks[spec.name]?.write([rec]);
        return;
      } catch (e) {
        if (!this.failed(spec, e, i)) return;
      }
    }
  }

  /** Logs a failed sink write; false once the pipeline has closed (the record stays uncommitted). */
  private failed(spec: SinkSpec, e: unknown, attempt: number): boolean {
    if (this.o.closed()) return false;
    const err = toWeirError(e, "SINK_FAILED");
    this.o.log.warn("sink write failed; retrying", { sink: spec.name, attempt: attempt + 1, code: err.code, error: err.message });
    return true;
  }
}
