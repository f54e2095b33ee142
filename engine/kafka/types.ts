// The Kafka client contract. The librdkafka (bun:ffi) client and the in-process transport both
// implement it, so the runtime, the API and the tests run unchanged on either.
import type { KafkaError } from "../errors.ts";

export type Bytes = Uint8Array;
export type HeaderValue = string | Uint8Array;

export interface TopicPartition {
  topic: string;
  partition: number;
}
/** `offset` follows Kafka's commit convention: the NEXT offset to read (last processed + 1). */
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Bytes | null;
  value: Bytes | null;
  /** In wire order; a key may repeat. */
  headers: Array<[string, Bytes]>;
  /** Milliseconds since the epoch (create or log-append time). */
  timestamp: number;
}

export interface ProduceRecord {
  topic: string;
  value: Bytes | string | null;
  key?: Bytes | string | null;
  /** Omit for the configured partitioner (murmur2 on key, like the Java client). */
  partition?: number;
  headers?: Record<string, HeaderValue> | Array<[string, HeaderValue]>;
  /** Milliseconds since the epoch; omit for now. */
  timestamp?: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  offset: number;
  /** Present when this record failed; `send` rejects only for whole-call failures. */
  error?: KafkaError;
}

export interface Producer {
  /** Produces a batch with one native call; resolves when every record has its delivery report. */
  send(records: ProduceRecord[]): Promise<DeliveryReport[]>;
  /** Convenience for one record; rejects with KafkaError if it was not delivered. */
  produce(record: ProduceRecord): Promise<DeliveryReport>;
  flush(timeoutMs?: number): Promise<void>;
  /** Records queued in librdkafka and not yet acknowledged. */
  inFlight(): number;
  initTransactions(timeoutMs?: number): Promise<void>;
  beginTransaction(): void;
  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], consumer: Consumer, timeoutMs?: number): Promise<void>;
  commitTransaction(timeoutMs?: number): Promise<void>;
  abortTransaction(timeoutMs?: number): Promise<void>;
  close(timeoutMs?: number): Promise<void>;
}

export interface RebalanceEvent {
  type: "assign" | "revoke";
  partitions: TopicPartition[];
  /** true when the group lost the partitions without a clean revoke (session timeout). */
  lost?: boolean;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read (-1001 when nothing committed yet). */
  committed: number;
  low: number;
  high: number;
  lag: number;
}

export interface Consumer {
  subscribe(topics: string[]): void;
  /** Manual assignment without group management (e.g. restoring state from a changelog partition). */
  assign(partitions: TopicPartitionOffset[]): void;
  /** Up to `max` messages, waiting at most `timeoutMs` for the first one. Never blocks the event loop. */
  consume(max: number, timeoutMs: number): Promise<ConsumedMessage[]>;
  /** Commits the given next-offsets (or the current positions when omitted). */
  commit(offsets?: TopicPartitionOffset[]): Promise<void>;
  committed(partitions: TopicPartition[], timeoutMs?: number): Promise<TopicPartitionOffset[]>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /**
   * Stops handing out these partitions' messages without pausing their fetch: what was prefetched
   * stays queued (fetching stops once the partition's prefetch limit is reached) and comes first
   * after resumeDelivery. Unlike pause(), nothing prefetched is discarded and the call does not
   * wait for librdkafka's broker threads. Messages already on their way out may still be returned.
   */
  holdDelivery(partitions: TopicPartition[]): void;
  /**
   * Whether the consumer has reached the partition's end (as it stood then) since it was assigned or
   * sought: unlike comparing offsets with the high watermark, this counts transaction markers, which
   * take offsets but are never delivered. Needs `enable.partition.eof` (librdkafka).
   */
  atEnd(partition: TopicPartition): boolean;
  resumeDelivery(partitions: TopicPartition[]): void;
  seek(to: TopicPartitionOffset, timeoutMs?: number): Promise<void>;
  assignment(): TopicPartition[];
  watermarks(topic: string, partition: number, timeoutMs?: number): Promise<{ low: number; high: number }>;
  lag(timeoutMs?: number): Promise<PartitionLag[]>;
  /**
   * Assignment changes. A revoke listener may return a promise: the consumer waits for it
   * (up to `rebalance.timeout` of the consumer options) before giving the partitions up,
   * so the runtime can drain and commit first.
   */
  onRebalance(listener: (e: RebalanceEvent) => void | Promise<void>): () => void;
  readonly groupId: string;
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
}
export interface TopicDescription {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>;
  error?: KafkaError;
}

export interface Admin {
  /** Existing topics are not an error (idempotent). */
  createTopics(specs: TopicSpec[], timeoutMs?: number): Promise<void>;
  deleteTopics(topics: string[], timeoutMs?: number): Promise<void>;
  describeTopics(topics: string[], timeoutMs?: number): Promise<TopicDescription[]>;
  listTopics(timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Options are librdkafka configuration properties, e.g. `{"bootstrap.servers": "127.0.0.1:9092"}`. */
export type KafkaConfig = Record<string, string | number | boolean>;

export interface ProducerOptions {
  config?: KafkaConfig;
  /** Properties the caller prefers but the transport's own config (WEIR_KAFKA_CONFIG) may override. */
  defaults?: KafkaConfig;
  /** Sets transactional.id and enables the transaction API. */
  transactionalId?: string;
}
export interface ConsumerOptions {
  groupId: string;
  config?: KafkaConfig;
  /** How long a revoke listener may take before partitions are given up anyway. Default 30 000 ms. */
  rebalanceTimeoutMs?: number;
}

/** A way to reach Kafka: the librdkafka client, or the in-process transport for tests and embedded runs. */
export interface Transport {
  readonly kind: "librdkafka" | "memory";
  /** Human-readable description for start-up logs. */
  readonly description: string;
  producer(opts?: ProducerOptions): Producer;
  consumer(opts: ConsumerOptions): Consumer;
  admin(): Admin;
  close(): Promise<void>;
}
