// An in-process Kafka: topics, partitions, consumer groups with rebalancing, commits, pause and
// resume, transactions. The embedded default of `weir run` (no KAFKA_BROKERS) and the engine of
// the TopologyTestDriver. It implements the same contract as the librdkafka client.
import { WeirError, KafkaError } from "../errors.ts";
import type {
  Admin, ConsumedMessage, Consumer, ConsumerOptions, DeliveryReport, PartitionLag, Producer, ProducerOptions, ProduceRecord,
  RebalanceEvent, TopicDescription, TopicPartition, TopicPartitionOffset, TopicSpec, Transport,
} from "../kafka/types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (v: Uint8Array | string | null | undefined) => (v === null || v === undefined ? null : typeof v === "string" ? enc.encode(v) : v);

/** murmur2 as the Java client and librdkafka's consistent_random use it, so keys land alike. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length - i;
  if (rest === 3) h ^= data[i + 2] << 16;
  if (rest >= 2) h ^= data[i + 1] << 8;
  if (rest >= 1) {
    h ^= data[i];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

interface StoredRecord extends ConsumedMessage {
  /** Transaction id while uncommitted; undefined once visible. */
  txn?: number;
  aborted?: boolean;
}
interface Partition {
  /** Retained records in offset order; after retention or compaction offsets may have gaps. */
  log: StoredRecord[];
  /** Low watermark: the first offset still held. */
  base: number;
  /** High watermark: the offset the next record gets. */
  next: number;
  /**
   * Log length at which an append runs retention again: twice what was left the last time, so a
   * partition that cannot shrink (a group lagging, a compacted topic with many keys) is not
   * rescanned on every append.
   */
  retainAt: number;
}

export interface MemoryBrokerOptions {
  /**
   * Records a partition keeps once every consumer group reading it has committed past them (default:
   * all, for tests and the TopologyTestDriver). `weir run` in embedded mode sets a bound so memory
   * stays flat under sustained load. Records a group has not committed yet are never dropped;
   * compacted topics (changelogs) keep the latest record of every key.
   */
  retainRecords?: number;
}

const newPartition = (): Partition => ({ log: [], base: 0, next: 0, retainAt: 0 });

/** Index of the first record at or after `offset` (binary search: the log may have gaps). */
function firstAtOrAfter(log: StoredRecord[], offset: number): number {
  let lo = 0, hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid].offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
interface Topic {
  partitions: Partition[];
  config: Record<string, string>;
}

interface Member {
  consumer: MemoryConsumer;
  topics: Set<string>;
}
interface Group {
  members: Member[];
  committed: Map<string, number>;
  generation: number;
}

const tpKey = (t: string, p: number) => `${t}\u0000${p}`;

export class MemoryBroker {
  readonly topics = new Map<string, Topic>();
  readonly groups = new Map<string, Group>();
  private waiters = new Set<() => void>();
  private rr = 0;
  private txnSeq = 0;
  defaultPartitions = 3;
  private readonly retain: number;

  constructor(opts: MemoryBrokerOptions = {}) {
    this.retain = opts.retainRecords ?? Infinity;
  }

  topic(name: string, create = true): Topic {
    let t = this.topics.get(name);
    if (!t && create) {
      t = { partitions: Array.from({ length: this.defaultPartitions }, newPartition), config: {} };
      this.topics.set(name, t);
      this.rebalanceAll();
    }
    if (!t) throw new KafkaError(`unknown topic ${name}`, { code: 3, name: "UNKNOWN_TOPIC_OR_PART" });
    return t;
  }

  createTopic(spec: TopicSpec) {
    if (this.topics.has(spec.topic)) return;
    this.topics.set(spec.topic, { partitions: Array.from({ length: spec.partitions ?? this.defaultPartitions }, newPartition), config: { ...spec.config } });
    this.rebalanceAll();
  }

  append(r: ProduceRecord, txn?: number): DeliveryReport {
    const t = this.topic(r.topic);
    const key = bytes(r.key);
    let partition = r.partition ?? -1;
    if (partition < 0) partition = key ? murmur2(key) % t.partitions.length : this.rr++ % t.partitions.length;
    if (partition >= t.partitions.length) {
      return { topic: r.topic, partition, offset: -1, error: new KafkaError(`produce to ${r.topic}: _UNKNOWN_PARTITION`, { code: -190, name: "_UNKNOWN_PARTITION" }) };
    }
    const p = t.partitions[partition];
    const offset = p.next++;
    const headers = Array.isArray(r.headers) ? r.headers : Object.entries(r.headers ?? {});
    p.log.push({ topic: r.topic, partition, offset, key, value: bytes(r.value), headers: headers.map(([k, v]) => [k, bytes(v)!]), timestamp: r.timestamp ?? Date.now(), txn });
    // Amortised: retention runs when a partition holds twice what it keeps.
    if (p.log.length > Math.max(2 * this.retain, p.retainAt)) this.applyRetention(r.topic, t, partition);
    if (txn === undefined) this.notify();
    return { topic: r.topic, partition, offset };
  }

  /** Records a group's committed offsets; a commit may let retention drop what every group has read. */
  commitOffsets(groupId: string, offsets: TopicPartitionOffset[]) {
    const g = this.group(groupId);
    for (const o of offsets) {
      g.committed.set(tpKey(o.topic, o.partition), o.offset);
      const t = this.topics.get(o.topic);
      if (t && t.partitions[o.partition]?.log.length > 2 * this.retain) this.applyRetention(o.topic, t, o.partition);
    }
  }

  /**
   * Drops records below min(lowest committed offset of the groups reading the topic, next − retain),
   * never an open transaction's; in a compacted topic the dropped range keeps each key's latest record.
   */
  private applyRetention(topic: string, t: Topic, partition: number) {
    const p = t.partitions[partition];
    let floor = Infinity;
    for (const g of this.groups.values()) {
      const reads = g.members.some((m) => m.topics.has(topic));
      const committed = g.committed.get(tpKey(topic, partition));
      if (committed !== undefined) floor = Math.min(floor, committed);
      else if (reads) floor = Math.min(floor, p.base);
    }
    let cut = Math.min(floor, p.next - this.retain);
    const open = p.log.find((r) => r.txn !== undefined);
    if (open) cut = Math.min(cut, open.offset);
    const i = firstAtOrAfter(p.log, cut);
    if (i === 0) return void (p.retainAt = 2 * p.log.length);
    const kept = p.log.slice(i);
    if (t.config["cleanup.policy"] === "compact") {
      const newer = new Set(kept.map((r) => (r.key ? dec.decode(r.key) : "")));
      const latest = new Map<string, StoredRecord>();
      for (let j = 0; j < i; j++) {
        const r = p.log[j];
        const k = r.key ? dec.decode(r.key) : null;
        if (k !== null && !newer.has(k)) latest.set(k, r);
      }
      const survivors = [...latest.values()].filter((r) => r.value !== null).sort((a, b) => a.offset - b.offset);
      p.log = [...survivors, ...kept];
    } else p.log = kept;
    p.base = p.log.length ? p.log[0].offset : p.next;
    p.retainAt = 2 * p.log.length;
  }

  nextTxn() {
    return ++this.txnSeq;
  }
  endTxn(txn: number, commit: boolean) {
    for (const t of this.topics.values())
      for (const p of t.partitions)
        for (const r of p.log)
          if (r.txn === txn) {
            r.txn = undefined;
            r.aborted = !commit;
          }
    this.notify();
  }

  notify() {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = { members: [], committed: new Map(), generation: 0 }));
    return g;
  }

  /** Range assignment per topic across the members subscribed to it; cooperative (only moved partitions change hands). */
  rebalance(groupId: string) {
    const g = this.group(groupId);
    g.generation++;
    const target = new Map<MemoryConsumer, TopicPartition[]>(g.members.map((m) => [m.consumer, []]));
    const topics = new Set(g.members.flatMap((m) => [...m.topics]));
    for (const topic of [...topics].sort()) {
      const t = this.topics.get(topic);
      if (!t) continue;
      const members = g.members.filter((m) => m.topics.has(topic));
      const n = t.partitions.length;
      members.forEach((m, i) => {
        const per = Math.floor(n / members.length);
        const extra = n % members.length;
        const start = i * per + Math.min(i, extra);
        const count = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + count; p++) target.get(m.consumer)!.push({ topic, partition: p });
      });
    }
    for (const [c, parts] of target) c.setTargetAssignment(parts);
  }
  rebalanceAll() {
    for (const id of this.groups.keys()) this.rebalance(id);
  }

  read(topic: string, partition: number, from: number, max: number, readCommitted: boolean): { records: StoredRecord[]; next: number } {
    const p = this.topic(topic).partitions[partition];
    const out: StoredRecord[] = [];
    let next = Math.max(from, p.base);
    let i = firstAtOrAfter(p.log, next);
    for (; i < p.log.length && out.length < max; i++) {
      const r = p.log[i];
      if (r.txn !== undefined && readCommitted) return { records: out, next: r.offset }; // the last stable offset
      next = r.offset + 1;
      if (r.aborted && readCommitted) continue;
      out.push(r);
    }
    // Past the last record: gaps left by compaction are stepped over.
    if (i === p.log.length) next = Math.max(next, p.next);
    return { records: out, next };
  }

  watermarks(topic: string, partition: number) {
    const p = this.topic(topic).partitions[partition];
    return { low: p.base, high: p.next };
  }
}

class MemoryProducer implements Producer {
  private closed = false;
  private txn: number | null = null;
  private pendingOffsets: Array<{ groupId: string; offsets: TopicPartitionOffset[] }> = [];
  private initialised = false;
  constructor(
    private readonly broker: MemoryBroker,
    private readonly opts: ProducerOptions,
  ) {}
  private check(op: string) {
    if (this.closed) throw new WeirError("KAFKA_CLOSED", `${op}: producer is closed`);
  }
  async send(records: ProduceRecord[]): Promise<DeliveryReport[]> {
    this.check("send");
    if (this.opts.transactionalId && this.initialised && this.txn === null) throw new KafkaError("send outside a transaction", { code: -172, name: "_STATE" });
    await Promise.resolve();
    return records.map((r) => this.broker.append(r, this.txn ?? undefined));
  }
  async produce(record: ProduceRecord) {
    const [r] = await this.send([record]);
    if (r.error) throw r.error;
    return r;
  }
  async flush() {}
  inFlight() {
    return 0;
  }
  private txnOnly(op: string) {
    if (!this.opts.transactionalId) throw new WeirError("CONFIG_INVALID", `${op}: producer has no transactionalId`);
  }
  async initTransactions() {
    this.txnOnly("initTransactions");
    this.initialised = true;
  }
  beginTransaction() {
    this.txnOnly("beginTransaction");
    if (this.txn !== null) throw new KafkaError("a transaction is already open", { code: -172, name: "_STATE" });
    this.txn = this.broker.nextTxn();
  }
  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: Consumer) {
    this.txnOnly("sendOffsetsToTransaction");
    this.pendingOffsets.push({ groupId: consumer.groupId, offsets });
  }
  async commitTransaction() {
    this.txnOnly("commitTransaction");
    if (this.txn === null) throw new KafkaError("no open transaction", { code: -172, name: "_STATE" });
    for (const { groupId, offsets } of this.pendingOffsets) this.broker.commitOffsets(groupId, offsets);
    this.broker.endTxn(this.txn, true);
    this.txn = null;
    this.pendingOffsets = [];
  }
  async abortTransaction() {
    this.txnOnly("abortTransaction");
    if (this.txn !== null) this.broker.endTxn(this.txn, false);
    this.txn = null;
    this.pendingOffsets = [];
  }
  async close() {
    if (this.txn !== null) await this.abortTransaction();
    this.closed = true;
  }
}

class MemoryConsumer implements Consumer {
  readonly groupId: string;
  private closed = false;
  private topics: string[] = [];
  private readonly positions = new Map<string, number>();
  private readonly assigned = new Map<string, TopicPartition>();
  private readonly paused = new Set<string>();
  private readonly listeners = new Set<(e: RebalanceEvent) => void | Promise<void>>();
  private pendingTarget: TopicPartition[] | null = null;
  private manual = false;
  private readonly readCommitted: boolean;
  private cursor = 0;
  constructor(
    private readonly broker: MemoryBroker,
    opts: ConsumerOptions,
  ) {
    this.groupId = opts.groupId;
    this.readCommitted = String(opts.config?.["isolation.level"] ?? "read_committed") === "read_committed";
  }
  subscribe(topics: string[]) {
    this.topics = topics;
    for (const t of topics) this.broker.topic(t);
    const g = this.broker.group(this.groupId);
    if (!g.members.some((m) => m.consumer === this)) g.members.push({ consumer: this, topics: new Set(topics) });
    else g.members.find((m) => m.consumer === this)!.topics = new Set(topics);
    this.broker.rebalance(this.groupId);
  }
  assign(partitions: TopicPartitionOffset[]) {
    this.manual = true;
    this.assigned.clear();
    for (const p of partitions) {
      this.assigned.set(tpKey(p.topic, p.partition), { topic: p.topic, partition: p.partition });
      if (p.offset >= 0) this.positions.set(tpKey(p.topic, p.partition), p.offset);
      else this.positions.delete(tpKey(p.topic, p.partition));
    }
    this.broker.notify();
  }
  /** Called by the broker; applied at the next consume() so revoke listeners run on the consumer's turn. */
  setTargetAssignment(parts: TopicPartition[]) {
    this.pendingTarget = parts;
    this.broker.notify();
  }
  private async applyRebalance() {
    const target = this.pendingTarget;
    if (!target) return;
    this.pendingTarget = null;
    const want = new Set(target.map((p) => tpKey(p.topic, p.partition)));
    const revoked = [...this.assigned.entries()].filter(([k]) => !want.has(k)).map(([, v]) => v);
    const added = target.filter((p) => !this.assigned.has(tpKey(p.topic, p.partition)));
    if (revoked.length) {
      await this.emit({ type: "revoke", partitions: revoked });
      for (const p of revoked) {
        const k = tpKey(p.topic, p.partition);
        this.assigned.delete(k);
        this.positions.delete(k);
        this.paused.delete(k);
      }
    }
    if (added.length) {
      for (const p of added) this.assigned.set(tpKey(p.topic, p.partition), p);
      await this.emit({ type: "assign", partitions: added });
    }
  }
  private async emit(e: RebalanceEvent) {
    await Promise.allSettled([...this.listeners].map(async (l) => l(e)));
  }
  onRebalance(listener: (e: RebalanceEvent) => void | Promise<void>) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  assignment() {
    return [...this.assigned.values()];
  }
  private position(p: TopicPartition): number {
    const k = tpKey(p.topic, p.partition);
    let pos = this.positions.get(k);
    if (pos === undefined) {
      const c = this.broker.group(this.groupId).committed.get(k);
      pos = c ?? this.broker.watermarks(p.topic, p.partition).low;
      this.positions.set(k, pos);
    }
    return pos;
  }
  async consume(max: number, timeoutMs: number): Promise<ConsumedMessage[]> {
    if (this.closed) return [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.manual) await this.applyRebalance();
      const out: ConsumedMessage[] = [];
      const parts = this.assignment();
      // Round-robin over partitions so one busy partition does not starve the rest.
      for (let i = 0; i < parts.length && out.length < max; i++) {
        const p = parts[(this.cursor + i) % parts.length];
        const k = tpKey(p.topic, p.partition);
        if (this.paused.has(k)) continue;
        const { records, next } = this.broker.read(p.topic, p.partition, this.position(p), max - out.length, this.readCommitted);
        this.positions.set(k, next);
        for (const r of records) out.push({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
      }
      this.cursor++;
      if (out.length || max === 0) return out;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return [];
      await this.broker.wait(Math.min(left, 50));
    }
  }
  async commit(offsets?: TopicPartitionOffset[]) {
    if (this.closed) throw new WeirError("KAFKA_CLOSED", "commit: consumer is closed");
    const list = offsets ?? this.assignment().map((p) => ({ ...p, offset: this.position(p) }));
    this.broker.commitOffsets(this.groupId, list);
  }
  async committed(partitions: TopicPartition[]) {
    const g = this.broker.group(this.groupId);
    return partitions.map((p) => ({ ...p, offset: g.committed.get(tpKey(p.topic, p.partition)) ?? -1001 }));
  }
  pause(partitions: TopicPartition[]) {
    for (const p of partitions) this.paused.add(tpKey(p.topic, p.partition));
  }
  resume(partitions: TopicPartition[]) {
    for (const p of partitions) this.paused.delete(tpKey(p.topic, p.partition));
    this.broker.notify();
  }
  atEnd(p: TopicPartition): boolean {
    return this.position(p) >= this.broker.watermarks(p.topic, p.partition).high;
  }
  /** Here nothing is prefetched, so holding delivery is pausing. */
  holdDelivery(partitions: TopicPartition[]) {
    this.pause(partitions);
  }
  resumeDelivery(partitions: TopicPartition[]) {
    this.resume(partitions);
  }
  async seek(to: TopicPartitionOffset) {
    this.positions.set(tpKey(to.topic, to.partition), to.offset);
    this.broker.notify();
  }
  async watermarks(topic: string, partition: number) {
    return this.broker.watermarks(topic, partition);
  }
  async lag(): Promise<PartitionLag[]> {
    const committed = await this.committed(this.assignment());
    return committed.map((c) => {
      const { low, high } = this.broker.watermarks(c.topic, c.partition);
      return { topic: c.topic, partition: c.partition, committed: c.offset, low, high, lag: Math.max(0, high - (c.offset >= 0 ? c.offset : low)) };
    });
  }
  async close() {
    if (this.closed) return;
    const g = this.broker.group(this.groupId);
    g.members = g.members.filter((m) => m.consumer !== this);
    if (!this.manual && this.assigned.size) await this.emit({ type: "revoke", partitions: this.assignment() });
    this.assigned.clear();
    this.closed = true;
    this.broker.rebalance(this.groupId);
  }
}

class MemoryAdmin implements Admin {
  constructor(private readonly broker: MemoryBroker) {}
  async createTopics(specs: TopicSpec[]) {
    for (const s of specs) this.broker.createTopic(s);
  }
  async deleteTopics(topics: string[]) {
    for (const t of topics) this.broker.topics.delete(t);
    this.broker.rebalanceAll();
  }
  async describeTopics(topics: string[]): Promise<TopicDescription[]> {
    return topics.map((topic) => {
      const t = this.broker.topics.get(topic);
      if (!t) return { topic, partitions: [], error: new KafkaError(`describe ${topic}: UNKNOWN_TOPIC_OR_PART`, { code: 3, name: "UNKNOWN_TOPIC_OR_PART" }) };
      return { topic, partitions: t.partitions.map((_, partition) => ({ partition, leader: 0, replicas: [0], isr: [0] })) };
    });
  }
  async listTopics() {
    return [...this.broker.topics.keys()].sort();
  }
  async close() {}
}

/**
 * An in-process Transport. Pass the same `broker` to several transports to simulate several
 * processes sharing one cluster (scale-out and restart tests).
 * @example
 * const t = createMemoryTransport();
 * await t.producer().send([{ topic: "in", key: "c1", value: "hi" }]);
 */
export function createMemoryTransport(broker = new MemoryBroker()): Transport & { broker: MemoryBroker } {
  const clients = new Set<{ close(): Promise<void> }>();
  const track = <T extends { close(): Promise<void> }>(c: T) => (clients.add(c), c);
  return {
    kind: "memory",
    description: "in-process transport (embedded mode: no Kafka; data lives in this process only)",
    broker,
    producer: (o: ProducerOptions = {}) => track(new MemoryProducer(broker, o)),
    consumer: (o: ConsumerOptions) => track(new MemoryConsumer(broker, o)),
    admin: () => new MemoryAdmin(broker),
    async close() {
      await Promise.allSettled([...clients].map((c) => c.close()));
    },
  };
}
