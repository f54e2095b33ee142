// The librdkafka consumer on bun:ffi: consumer-group subscribe with cooperative-sticky
// rebalancing, batch consumption through one FFI call per batch (weir_poll_messages), explicit
// commits of processed offsets, pause/resume, seek, watermarks and lag. Rebalance events come
// through the event API; revoke listeners are awaited (bounded) before partitions are released.
// Assigned partitions' fetch queues are forwarded to a queue of their own that the shim drains
// with rd_kafka_consume_batch_queue: it holds only messages, never a rebalance.
import { WeirError } from "../errors.ts";
import { KafkaClient, sleep } from "./client.ts";
import { MessageTable, readMessages, readTpl, writeTpl } from "./codec.ts";
import { kafkaError, takeError } from "./kafka-error.ts";
import { QueueWakeup } from "./wakeup.ts";
import { rdk, cstr, EVENT, ERR, OFFSET, RD_KAFKA_CONSUMER, type Ptr } from "./native.ts";
import type { ConsumedMessage, Consumer, ConsumerOptions, PartitionLag, RebalanceEvent, TopicPartition, TopicPartitionOffset } from "./types.ts";

/** Upper and lower bounds of a batch buffer; in between it follows what recent batches used. */
const BATCH_BYTES = 8 << 20;
const MIN_BATCH_BYTES = 256 << 10;
const TABLE_MESSAGES = 10_000;
/**
 * Classic-protocol group settings. A member that dies (kill -9, a lost host) keeps its partitions
 * until the broker's session timeout: librdkafka's 45 s default meant 45 s with no processing on
 * them. 6 s (Kafka's default group.min.session.timeout.ms) with a heartbeat every 1.5 s gave a measured
 * failover of 6 s, which the runtime's recovery target (results again within 10 s of a kill, including
 * the rebalance and state restore) needs; a cluster with a higher minimum is told so at join (set a
 * higher session.timeout.ms in WEIR_KAFKA_CONSUMER_CONFIG). See docs/DECISIONS.md §16. The JS thread
 * blocking does not delay heartbeats (librdkafka sends them from its own thread).
 * Overridable by WEIR_KAFKA_CONSUMER_CONFIG / WEIR_KAFKA_CONFIG.
 */
export const CLASSIC_GROUP_DEFAULTS = {
  "partition.assignment.strategy": "cooperative-sticky",
  "session.timeout.ms": 6_000,
  "heartbeat.interval.ms": 1_500,
} as const;
const codeError = (code: number, op: string) => (code ? kafkaError(code, op) : null);
const tpKey = (t: TopicPartition) => `${t.topic}\u0000${t.partition}`;

export class LibrdkafkaConsumer extends KafkaClient implements Consumer {
  readonly groupId: string;
  private readonly queue: Ptr;
  /** Where assigned partitions' fetch queues are forwarded (weir_forward_partitions). */
  private readonly fetchQueue: Ptr;
  private readonly poller: Ptr;
  /** Batch buffer; handed over to the returned messages and replaced (uninitialised) after each batch. */
  private buf: Uint8Array = Buffer.allocUnsafe(BATCH_BYTES);
  /** Fixed fields of each polled message; read right away, so it is reused. */
  private table = new MessageTable(TABLE_MESSAGES);
  private readonly used = new BigInt64Array(1);
  private readonly other = new BigUint64Array(1);
  private readonly tplBuf = new Uint8Array(64 * 1024);
  private readonly topicNames = new Map<number, string>();
  private readonly listeners = new Set<(e: RebalanceEvent) => void | Promise<void>>();
  private readonly assigned = new Map<string, TopicPartition>();
  /** Offsets this member committed (or read once), per partition: lag() needs no broker call for them. */
  private readonly committedCache = new Map<string, number>();
  private readonly rebalanceTimeoutMs: number;
  private consuming = false;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  /** The idle timer's event-only poll while it runs (it may be awaiting a rebalance listener). */
  private idle: Promise<unknown> | null = null;
  private rebalancing: Promise<void> | null = null;
  private readonly wakeup: QueueWakeup;

  constructor(opts: ConsumerOptions) {
    // The next-generation protocol (KIP-848, group.protocol=consumer) assigns on the broker and
    // takes its timeouts from the broker: the classic-only settings below would make rd_kafka_new fail.
    const nextGen = String(opts.config?.["group.protocol"] ?? "classic") === "consumer";
    const config = {
      "group.id": opts.groupId,
      ...(nextGen ? {} : CLASSIC_GROUP_DEFAULTS),
      // weir commits exactly the offsets it has processed; never behind the application's back.
      "enable.auto.commit": false,
      "enable.auto.offset.store": false,
      "auto.offset.reset": "earliest",
      "isolation.level": "read_committed",
      "fetch.wait.max.ms": 100,
      // Prefetch generously (bounded by queued.max.messages.kbytes) so the queue never runs dry
      // between batches; librdkafka's default of 100 000 messages halves throughput here.
      "queued.min.messages": 1_000_000,
      "queued.max.messages.kbytes": 65536,
      // Once the prefetch queue is full, librdkafka re-checks it only after this long (1 s by
      // default), so a consumer that drains it faster than that idles until then.
      "fetch.queue.backoff.ms": 10,
      ...opts.config,
    };
    super("consumer", RD_KAFKA_CONSUMER, config, EVENT.FETCH | EVENT.REBALANCE | EVENT.OFFSET_COMMIT);
    this.groupId = opts.groupId;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 30_000;
    const f = rdk();
    f.rd_kafka_poll_set_consumer(this.rk);
    this.queue = f.rd_kafka_queue_get_consumer(this.rk)!;
    this.fetchQueue = f.rd_kafka_queue_new(this.rk)!;
    this.poller = f.weir_poller_new(this.queue, this.fetchQueue)!;
    this.wakeup = new QueueWakeup([this.queue, this.fetchQueue]);
    // Keep serving group events (rebalances, errors, logs) while the application is not calling
    // consume(): all partitions paused, or the pipeline waiting under backpressure. consume(0, …)
    // serves events only; a message at the head of the event queue stays for the next real poll.
    this.idleTimer = setInterval(() => {
      if (this.consuming || this.closed || this.rebalancing || this.idle) return;
      this.idle = this.consume(0, 0)
        .catch((e) => this.log.warn("idle event poll failed", { error: e }))
        .finally(() => (this.idle = null));
    }, 200);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  subscribe(topics: string[]): void {
    this.assertOpen("subscribe");
    const f = rdk();
    const tpl = f.weir_tpl_from_buf(writeTpl(topics.map((topic) => ({ topic, partition: -1 }))), topics.length)!;
    const err = f.rd_kafka_subscribe(this.rk, tpl);
    f.rd_kafka_topic_partition_list_destroy(tpl);
    if (err) throw kafkaError(err, `subscribe ${topics.join(",")}`);
  }

  assign(partitions: TopicPartitionOffset[]): void {
    this.assertOpen("assign");
    const f = rdk();
    const tpl = f.weir_tpl_from_buf(writeTpl(partitions), partitions.length)!;
    f.weir_forward_partitions(this.rk, tpl, this.fetchQueue);
    const err = f.rd_kafka_assign(this.rk, tpl);
    f.rd_kafka_topic_partition_list_destroy(tpl);
    if (err) throw kafkaError(err, "assign");
    this.assigned.clear();
    this.ended.clear();
    for (const p of partitions) this.assigned.set(tpKey(p), { topic: p.topic, partition: p.partition });
  }

  onRebalance(listener: (e: RebalanceEvent) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  private readonly topicName = (rkt: number): string => {
    let n = this.topicNames.get(rkt);
    if (n === undefined) {
      n = String(rdk().rd_kafka_topic_name(rkt as unknown as Ptr));
      this.topicNames.set(rkt, n);
    }
    return n;
  };

  /** Partitions whose end (librdkafka's partition EOF) was reached since they were assigned or sought. */
  private readonly ended = new Set<string>();

  private readonly fetchError = (code: number, topic: string, partition: number): void => {
    if (code === ERR._PARTITION_EOF) return void this.ended.add(tpKey({ topic, partition }));
    const e = kafkaError(code, `consume ${topic}[${partition}]`);
    this.lastError = e;
    this.log.warn("consumer error", { code: e.kafkaName, topic, partition });
  };

  /** One shim call: up to `max` messages into the table and `this.buf`; -1 if the next one does not fit. */
  private pollBatch(max: number): number {
    if (max > this.table.capacity) this.table = new MessageTable(max);
    return rdk().weir_poll_messages(this.poller, max, this.buf, this.buf.length, this.table.f64, this.used, this.other);
  }

  async consume(max: number, timeoutMs: number): Promise<ConsumedMessage[]> {
    if (this.closed) return [];
    // The idle path may be serving a rebalance; a real poll comes after it, as it would have if it
    // had found the rebalance event itself.
    if (this.idle && max > 0) await this.idle;
    if (this.closed) return [];
    if (this.consuming) throw new WeirError("KAFKA_ERROR", "consume() called while another consume() is running");
    this.consuming = true;
    try {
      return await this.consumeLoop(max, timeoutMs);
    } finally {
      this.consuming = false;
    }
  }

  private async consumeLoop(max: number, timeoutMs: number): Promise<ConsumedMessage[]> {
    const f = rdk();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return [];
      // max 0 polls events only (weir_poll_messages hands over no message then).
      const n = this.pollBatch(max);
      if (n === -1) {
        // One message is larger than the buffer: grow and retry.
        this.buf = Buffer.allocUnsafe(Math.max(this.buf.length * 2, Number(f.weir_pending_size(this.poller)) + 1024));
        continue;
      }
      const ev = this.other[0];
      let out: ConsumedMessage[] = [];
      if (n > 0) out = readMessages(this.table, this.takeBatch(Number(this.used[0])), n, this.topicName, this.fetchError);
      if (ev) {
        this.other[0] = 0n;
        const evp = Number(ev) as unknown as Ptr;
        if (f.rd_kafka_event_type(evp) === EVENT.REBALANCE) {
          // Messages polled before a rebalance are still ours: deliver them first.
          if (out.length) {
            this.rebalancing = this.handleRebalance(evp);
            return out;
          }
          await (this.rebalancing = this.handleRebalance(evp));
        } else {
          this.handleEvent(evp);
        }
      } else if (this.rebalancing) {
        await this.rebalancing;
      }
      if (out.length) return out;
      if (max === 0 && !ev) return [];
      if (!ev) {
        const left = deadline - Date.now();
        if (left <= 0) return [];
        // The queue is empty: sleep until librdkafka signals that it is not.
        await this.wakeup.wait(left);
      }
    }
  }

  /**
   * Hands the first `used` bytes of the batch buffer over to the messages and replaces the buffer.
   * The next buffer is sized after this batch (twice what it used, within bounds): a much larger
   * one costs page faults and address space for nothing. A mostly empty buffer is copied out
   * instead, so a few small messages never pin megabytes.
   */
  private takeBatch(used: number): Uint8Array {
    const batch = this.buf;
    if (used * 4 < batch.length) {
      // A copy (Buffer#slice would be a view): this buffer is reused for the next batch.
      const copy = new Uint8Array(used);
      copy.set(batch.subarray(0, used));
      return copy;
    }
    this.buf = Buffer.allocUnsafe(Math.min(BATCH_BYTES, Math.max(MIN_BATCH_BYTES, used * 2)));
    return batch.subarray(0, used);
  }

  private async handleRebalance(ev: Ptr): Promise<void> {
    const f = rdk();
    try {
      const code = f.rd_kafka_event_error(ev);
      const tplPtr = f.rd_kafka_event_topic_partition_list(ev)!;
      const len = Number(f.weir_tpl_to_buf(tplPtr, this.tplBuf, this.tplBuf.length));
      const partitions = readTpl(this.tplBuf.subarray(0, len)).map(({ topic, partition }) => ({ topic, partition }));
      const cooperative = String(f.rd_kafka_rebalance_protocol(this.rk)) === "COOPERATIVE";
      if (code === ERR._ASSIGN_PARTITIONS) {
        // Before the assignment starts fetching, so the partitions' messages go to the fetch queue.
        f.weir_forward_partitions(this.rk, tplPtr, this.fetchQueue);
        const err = cooperative ? takeError(f.rd_kafka_incremental_assign(this.rk, tplPtr), "incremental_assign") : codeError(f.rd_kafka_assign(this.rk, tplPtr), "assign");
        if (err) this.log.error("assign failed", { error: err });
        for (const p of partitions) this.assigned.set(tpKey(p), p);
        this.log.info("partitions assigned", { partitions, cooperative });
        await this.emit({ type: "assign", partitions });
      } else {
        const lost = f.rd_kafka_assignment_lost(this.rk) !== 0;
        this.log.info("partitions revoked", { partitions, lost });
        await this.emit({ type: "revoke", partitions, lost });
        const err = cooperative ? takeError(f.rd_kafka_incremental_unassign(this.rk, tplPtr), "incremental_unassign") : codeError(f.rd_kafka_assign(this.rk, null), "unassign");
        if (err) this.log.error("unassign failed", { error: err });
        for (const p of partitions) {
          this.assigned.delete(tpKey(p));
          this.committedCache.delete(tpKey(p));
        }
      }
    } finally {
      f.rd_kafka_event_destroy(ev);
      this.rebalancing = null;
    }
  }

  private async emit(e: RebalanceEvent): Promise<void> {
    if (!this.listeners.size) return;
    const all = Promise.allSettled([...this.listeners].map(async (l) => l(e)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), this.rebalanceTimeoutMs)));
    const res = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (res === "timeout") this.log.warn("rebalance listener exceeded its deadline; continuing", { type: e.type, timeoutMs: this.rebalanceTimeoutMs });
    else for (const r of res) if (r.status === "rejected") this.log.error("rebalance listener failed", { type: e.type, error: r.reason });
  }

  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    this.assertOpen("commit");
    const f = rdk();
    if (offsets && offsets.length === 0) return;
    const tpl = offsets ? f.weir_tpl_from_buf(writeTpl(offsets), offsets.length) : null;
    const q = f.rd_kafka_queue_new(this.rk)!;
    try {
      const err = f.rd_kafka_commit_queue(this.rk, tpl, q, null, null);
      if (err && err !== ERR._NO_OFFSET) throw kafkaError(err, "commit");
      if (err === ERR._NO_OFFSET) return;
      // The result arrives as an OFFSET_COMMIT event on our private queue.
      let wait = 1;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ev = f.rd_kafka_queue_poll(q, 0);
        if (ev) {
          try {
            const code = f.rd_kafka_event_error(ev);
            if (code && code !== ERR._NO_OFFSET) throw kafkaError(code, "commit", { message: String(f.rd_kafka_event_error_string(ev)) });
            const list = f.rd_kafka_event_topic_partition_list(ev);
            if (list) {
              const len = Number(f.weir_tpl_to_buf(list, this.tplBuf, this.tplBuf.length));
              const all = len > 0 ? readTpl(this.tplBuf.subarray(0, len)) : [];
              const failed = all.filter((t) => t.err);
              if (failed.length) throw kafkaError(failed[0].err, `commit ${failed[0].topic}[${failed[0].partition}]`, { details: { failed } });
              for (const t of all) if (t.offset >= 0) this.committedCache.set(tpKey(t), t.offset);
            }
            return;
          } finally {
            f.rd_kafka_event_destroy(ev);
          }
        }
        if (Date.now() > deadline) throw new WeirError("KAFKA_TIMEOUT", "commit: no result within 60 s", { retriable: true });
        await sleep(wait);
        wait = Math.min(wait * 2, 10);
      }
    } finally {
      if (tpl) f.rd_kafka_topic_partition_list_destroy(tpl);
      f.rd_kafka_queue_destroy(q);
    }
  }

  async committed(partitions: TopicPartition[], timeoutMs = 10_000): Promise<TopicPartitionOffset[]> {
    this.assertOpen("committed");
    const f = rdk();
    const tpl = f.weir_tpl_from_buf(writeTpl(partitions), partitions.length)!;
    try {
      const err = f.rd_kafka_committed(this.rk, tpl, timeoutMs);
      if (err) throw kafkaError(err, "committed");
      const len = Number(f.weir_tpl_to_buf(tpl, this.tplBuf, this.tplBuf.length));
      return readTpl(this.tplBuf.subarray(0, len)).map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    } finally {
      f.rd_kafka_topic_partition_list_destroy(tpl);
    }
  }

  private withTpl(partitions: TopicPartition[], fn: (tpl: Ptr) => number, op: string) {
    if (!partitions.length) return;
    const f = rdk();
    const tpl = f.weir_tpl_from_buf(writeTpl(partitions), partitions.length)!;
    try {
      const err = fn(tpl);
      if (err) throw kafkaError(err, op);
    } finally {
      f.rd_kafka_topic_partition_list_destroy(tpl);
    }
  }

  pause(partitions: TopicPartition[]): void {
    this.withTpl(partitions, (tpl) => rdk().rd_kafka_pause_partitions(this.rk, tpl), "pause");
  }
  resume(partitions: TopicPartition[]): void {
    this.withTpl(partitions, (tpl) => rdk().rd_kafka_resume_partitions(this.rk, tpl), "resume");
  }

  atEnd(partition: TopicPartition): boolean {
    return this.ended.has(tpKey(partition));
  }

  /**
   * Unforwards the partitions' fetch queues: their messages wait in librdkafka's per-partition queue,
   * whose size the fetcher checks (queued.max.messages.kbytes), instead of reaching the poller. A
   * queue lock, where pause() waits for each partition's broker thread and drops the prefetched data.
   */
  holdDelivery(partitions: TopicPartition[]): void {
    this.assertOpen("holdDelivery");
    this.withTpl(partitions, (tpl) => (rdk().weir_forward_partitions(this.rk, tpl, null), 0), "holdDelivery");
  }
  /** Forwards the partitions' queues again; what waited in them is appended to the poller's queue in order. */
  resumeDelivery(partitions: TopicPartition[]): void {
    this.assertOpen("resumeDelivery");
    this.withTpl(partitions, (tpl) => (rdk().weir_forward_partitions(this.rk, tpl, this.fetchQueue), 0), "resumeDelivery");
    this.wakeup.signal();
  }

  async seek(to: TopicPartitionOffset, timeoutMs = 0): Promise<void> {
    this.ended.delete(tpKey(to));
    const f = rdk();
    const tpl = f.weir_tpl_from_buf(writeTpl([to]), 1)!;
    try {
      const err = takeError(f.rd_kafka_seek_partitions(this.rk, tpl, timeoutMs), `seek ${to.topic}[${to.partition}]@${to.offset}`);
      if (err) throw err;
    } finally {
      f.rd_kafka_topic_partition_list_destroy(tpl);
    }
  }

  async watermarks(topic: string, partition: number, timeoutMs = 5_000): Promise<{ low: number; high: number }> {
    const lo = new BigInt64Array(1);
    const hi = new BigInt64Array(1);
    const err = rdk().rd_kafka_query_watermark_offsets(this.rk, Buffer.from(topic + "\0") as unknown as string, partition, lo, hi, timeoutMs);
    if (err) throw kafkaError(err, `watermarks ${topic}[${partition}]`);
    return { low: Number(lo[0]), high: Number(hi[0]) };
  }

  /**
   * Lag per assigned partition. Both inputs come from caches where possible — the watermarks
   * librdkafka keeps from fetch responses and the offsets this member committed — because the
   * broker round trips behind them block the JS thread (a periodic lag metric showed up in profiles).
   */
  async lag(timeoutMs = 5_000): Promise<PartitionLag[]> {
    const parts = this.assignment();
    if (!parts.length) return [];
    const unknown = parts.filter((p) => !this.committedCache.has(tpKey(p)));
    if (unknown.length) for (const c of await this.committed(unknown, timeoutMs)) this.committedCache.set(tpKey(c), c.offset);
    const f = rdk();
    const out: PartitionLag[] = [];
    for (const p of parts) {
      const lo = new BigInt64Array(1), hi = new BigInt64Array(1);
      const cached = f.rd_kafka_get_watermark_offsets(this.rk, Buffer.from(p.topic + "\0") as unknown as string, p.partition, lo, hi) === 0 && hi[0] >= 0n;
      const { low, high } = cached ? { low: Number(lo[0]), high: Number(hi[0]) } : await this.watermarks(p.topic, p.partition, timeoutMs);
      const committed = this.committedCache.get(tpKey(p)) ?? -1;
      out.push({ topic: p.topic, partition: p.partition, committed, low, high, lag: Math.max(0, high - (committed >= 0 ? committed : low)) });
    }
    return out;
  }

  /** rd_kafka_consumer_group_metadata_t* for transactions; the caller destroys it. */
  groupMetadataHandle(): Ptr {
    return rdk().rd_kafka_consumer_group_metadata(this.rk)!;
  }

  /** The group member id (empty before the first join). */
  memberId(): string {
    const f = rdk();
    const p = f.rd_kafka_memberid(this.rk);
    if (!p) return "";
    const s = cstr(p);
    f.rd_kafka_mem_free(this.rk, p);
    return s;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.idleTimer) clearInterval(this.idleTimer);
    while (this.consuming) await sleep(1);
    const f = rdk();
    // Close through the queue so the final revoke is served here (listeners drain and commit).
    const err = takeError(f.rd_kafka_consumer_close_queue(this.rk, this.queue), "close");
    if (err) this.log.warn("consumer close", { error: err });
    const deadline = Date.now() + this.rebalanceTimeoutMs + 10_000;
    while (!f.rd_kafka_consumer_closed(this.rk) && Date.now() < deadline) {
      const n = this.pollBatch(1000);
      const ev = this.other[0];
      if (ev) {
        this.other[0] = 0n;
        const evp = Number(ev) as unknown as Ptr;
        if (f.rd_kafka_event_type(evp) === EVENT.REBALANCE) await this.handleRebalance(evp);
        else this.handleEvent(evp);
      } else if (n <= 0) await sleep(2);
    }
    this.closed = true;
    this.wakeup.close();
    f.weir_poller_destroy(this.poller);
    f.rd_kafka_queue_destroy(this.fetchQueue);
    f.rd_kafka_queue_destroy(this.queue);
    f.rd_kafka_destroy(this.rk);
    this.assigned.clear();
  }
}

export { OFFSET };
