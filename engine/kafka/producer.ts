// The librdkafka producer on bun:ffi. A batch is encoded into one buffer and enqueued with one
// FFI call (weir_produce); delivery reports come back through the event API, drained in batches
// by a pump on the JS thread, and resolve one promise per `send`.
import { WeirError, type KafkaError } from "../errors.ts";
import { KafkaClient, sleep } from "./client.ts";
import { Writer, writeProduceRecord, writeTpl } from "./codec.ts";
import { kafkaError, takeError } from "./kafka-error.ts";
import { rdk, EVENT, ERR, RD_KAFKA_PRODUCER, type Ptr } from "./native.ts";
import type { Consumer, DeliveryReport, ProduceRecord, Producer, ProducerOptions, TopicPartitionOffset } from "./types.ts";
import type { LibrdkafkaConsumer } from "./consumer.ts";
import { QueueWakeup } from "./wakeup.ts";

interface PendingBatch {
  records: ProduceRecord[];
  reports: DeliveryReport[];
  remaining: number;
  resolve: (r: DeliveryReport[]) => void;
}

const DR_MAX = 8192;

export class LibrdkafkaProducer extends KafkaClient implements Producer {
  private readonly writer = new Writer(1 << 20);
  private readonly drBuf = new Int32Array(DR_MAX * 6);
  private readonly other = new BigUint64Array(1);
  private readonly errOut = new Int32Array(1);
  /** Where the shim stopped in the batch buffer (unused here: record starts are tracked in JS). */
  private readonly posOut = new BigInt64Array(1);
  private readonly queue: Ptr;
  private readonly poller: Ptr;
  private readonly pending = new Map<number, PendingBatch>();
  private nextBatch = 1;
  private pending_records = 0;
  private pumping = false;
  private readonly wakeup: QueueWakeup;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  readonly transactional: boolean;

  constructor(opts: ProducerOptions & { config: ProducerOptions["config"] }) {
    const config = {
      "enable.idempotence": true,
      "linger.ms": 5,
      "queue.buffering.max.messages": 500_000,
      "queue.buffering.max.kbytes": 1_048_576,
      "batch.num.messages": 10_000,
      ...opts.config,
      ...(opts.transactionalId ? { "transactional.id": opts.transactionalId } : {}),
    };
    super("producer", RD_KAFKA_PRODUCER, config, EVENT.DR);
    this.transactional = !!opts.transactionalId;
    const f = rdk();
    this.queue = f.rd_kafka_queue_get_main(this.rk)!;
    this.poller = f.weir_poller_new(this.queue, null)!;
    this.wakeup = new QueueWakeup(this.queue);
    // Errors, logs and stats still need serving while no records are in flight.
    this.idleTimer = setInterval(() => this.pump(), 100);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  inFlight(): number {
    return this.pending_records;
  }

  async produce(record: ProduceRecord): Promise<DeliveryReport> {
    const [r] = await this.send([record]);
    if (r.error) throw r.error;
    return r;
  }

  async send(records: ProduceRecord[]): Promise<DeliveryReport[]> {
    this.assertOpen("send");
    if (records.length === 0) return [];
    const f = rdk();
    const batch = this.nextBatch;
    this.nextBatch = this.nextBatch >= 0x7ffffff0 ? 1 : this.nextBatch + 1;
    const w = this.writer;
    w.reset();
    const starts = new Float64Array(records.length + 1);
    for (let i = 0; i < records.length; i++) {
      starts[i] = w.pos;
      writeProduceRecord(w, records[i], batch, i);
    }
    starts[records.length] = w.pos;
    const done = new Promise<DeliveryReport[]>((resolve) => {
      this.pending.set(batch, { records, reports: new Array(records.length), remaining: records.length, resolve });
    });
    this.pending_records += records.length;
    // `bytes` is the shared writer buffer until the first wait: another send may encode into the
    // writer while this one waits for librdkafka's queue to drain, so the batch is copied then.
    let bytes = w.buf;
    let i = 0;
    let backoff = 1;
    while (i < records.length) {
      const buf = bytes.subarray(starts[i], starts[records.length]);
      i += f.weir_produce(this.rk, buf, buf.length, records.length - i, this.errOut, this.posOut);
      if (i >= records.length) break;
      const err = this.errOut[0];
      if (err === ERR._QUEUE_FULL) {
        // librdkafka's queue is full: serve delivery reports so it drains, then carry on.
        if (bytes === w.buf) bytes = w.buf.slice(0, starts[records.length]);
        this.pump();
        await this.wakeup.wait(backoff);
        backoff = Math.min(backoff * 2, 20);
        continue;
      }
      this.failRecord(batch, i, kafkaError(err, `produce to ${records[i].topic}`));
      i++;
    }
    void this.schedulePump();
    return done;
  }

  private failRecord(batch: number, index: number, error: KafkaError) {
    const p = this.pending.get(batch);
    if (!p) return;
    const r = p.records[index];
    this.complete(p, batch, index, { topic: r.topic, partition: r.partition ?? -1, offset: -1, error });
  }

  private complete(p: PendingBatch, batch: number, index: number, report: DeliveryReport) {
    if (p.reports[index]) return;
    p.reports[index] = report;
    this.pending_records--;
    if (--p.remaining === 0) {
      this.pending.delete(batch);
      p.resolve(p.reports);
    }
  }

  /** Serves delivery reports while records are in flight, waking when librdkafka queues events. */
  private async schedulePump() {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (this.pending_records > 0 && !this.closed) {
        this.pump();
        if (this.pending_records === 0) break;
        await this.wakeup.wait(50);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Drains delivery reports and other events. Returns how many reports were handled. */
  pump(): number {
    if (this.closed) return 0;
    const f = rdk();
    let total = 0;
    for (;;) {
      const n = f.weir_poll_dr(this.poller, 0, DR_MAX, this.drBuf, this.other);
      const d = this.drBuf;
      // Reports arrive grouped by batch: look the batch up once per run, not once per report.
      let lastBatch = -1;
      let p: PendingBatch | undefined;
      for (let k = 0; k < n; k++) {
        const o = k * 6;
        const batch = d[o];
        if (batch !== lastBatch) {
          lastBatch = batch;
          p = this.pending.get(batch);
        }
        if (!p) continue;
        const index = d[o + 1];
        const err = d[o + 2];
        const rec = p.records[index];
        const report: DeliveryReport = err
          ? { topic: rec.topic, partition: d[o + 3], offset: -1, error: kafkaError(err, `delivery to ${rec.topic}`, { weirCode: "KAFKA_DELIVERY_FAILED" }) }
          : { topic: rec.topic, partition: d[o + 3], offset: d[o + 5] < 0 ? -1 : (d[o + 5] >>> 0) * 4294967296 + (d[o + 4] >>> 0) };
        this.complete(p, batch, index, report);
        // complete() drops a finished batch from `pending`.
        if (p.remaining === 0) lastBatch = -1;
      }
      total += n;
      const ev = this.other[0];
      if (ev) {
        this.other[0] = 0n;
        this.handleEvent(Number(ev) as unknown as Ptr);
        continue;
      }
      if (n < DR_MAX) break;
    }
    return total;
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    const f = rdk();
    const deadline = Date.now() + timeoutMs;
    // With the event API, rd_kafka_flush cannot serve our events, so we wait here and pump.
    while (f.rd_kafka_outq_len(this.rk) > 0 || this.pending_records > 0) {
      this.pump();
      if (Date.now() > deadline) throw new WeirError("KAFKA_TIMEOUT", `flush: ${f.rd_kafka_outq_len(this.rk)} messages still queued after ${timeoutMs} ms`, { retriable: true });
      await sleep(1);
    }
  }

  /**
   * Transactional calls block inside librdkafka, so they are made in short slices and resumed
   * (librdkafka allows resuming a timed-out call) while events are served in between.
   */
  private async txn(op: string, call: (sliceMs: number) => Ptr | null, timeoutMs: number): Promise<void> {
    if (!this.transactional) throw new WeirError("CONFIG_INVALID", `${op}: producer has no transactionalId`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const err = takeError(call(10), op);
      if (!err) return;
      // Timed-out slices resume; other retriable errors (a coordinator still loading) are retried
      // with a back-off, as librdkafka documents for every transactional call.
      if (err.retriable && !err.fatal && Date.now() < deadline) {
        this.pump();
        await sleep(err.kafkaCode === ERR._TIMED_OUT ? 1 : 100);
        continue;
      }
      throw err;
    }
  }

  initTransactions(timeoutMs = 30_000): Promise<void> {
    return this.txn("initTransactions", (s) => rdk().rd_kafka_init_transactions(this.rk, s), timeoutMs);
  }
  beginTransaction(): void {
    const err = takeError(rdk().rd_kafka_begin_transaction(this.rk), "beginTransaction");
    if (err) throw err;
  }
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: Consumer, timeoutMs = 30_000): Promise<void> {
    const c = consumer as LibrdkafkaConsumer;
    if (typeof c.groupMetadataHandle !== "function") throw new WeirError("CONFIG_INVALID", "sendOffsetsToTransaction needs a librdkafka consumer");
    const f = rdk();
    const meta = c.groupMetadataHandle();
    const enc = writeTpl(offsets);
    const tpl = f.weir_tpl_from_buf(enc, offsets.length)!;
    try {
      await this.txn("sendOffsetsToTransaction", (s) => f.rd_kafka_send_offsets_to_transaction(this.rk, tpl, meta, s), timeoutMs);
    } finally {
      f.rd_kafka_topic_partition_list_destroy(tpl);
      f.rd_kafka_consumer_group_metadata_destroy(meta);
    }
  }
  commitTransaction(timeoutMs = 60_000): Promise<void> {
    return this.txn("commitTransaction", (s) => rdk().rd_kafka_commit_transaction(this.rk, s), timeoutMs);
  }
  abortTransaction(timeoutMs = 60_000): Promise<void> {
    return this.txn("abortTransaction", (s) => rdk().rd_kafka_abort_transaction(this.rk, s), timeoutMs);
  }

  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush(timeoutMs);
    } catch (e) {
      this.log.warn("close: flush did not complete; purging", { error: e });
      rdk().rd_kafka_purge(this.rk, 0x1 | 0x2);
      this.pump();
    }
    this.closed = true;
    this.wakeup.close();
    if (this.idleTimer) clearInterval(this.idleTimer);
    const f = rdk();
    // Anything still pending gets a report, so no caller waits forever.
    for (const [batch, p] of this.pending) {
      p.records.forEach((r, i) => {
        if (!p.reports[i]) this.complete(p, batch, i, { topic: r.topic, partition: -1, offset: -1, error: kafkaError(ERR._PURGE_QUEUE, "producer closed") });
      });
    }
    f.weir_poller_destroy(this.poller);
    f.rd_kafka_queue_destroy(this.queue);
    f.rd_kafka_destroy(this.rk);
  }
}
