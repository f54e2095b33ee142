// Public surface of weir's Kafka layer: librdkafka through bun:ffi, behind the Transport contract.
import { LibrdkafkaAdmin } from "./admin.ts";
import { LibrdkafkaConsumer } from "./consumer.ts";
import { LibrdkafkaProducer } from "./producer.ts";
import { librdkafkaInfo } from "./native.ts";
import { assertRole, forAdmin, forConsumer, forProducer } from "./client-config.ts";
import type { Admin, Consumer, ConsumerOptions, KafkaConfig, Producer, ProducerOptions, Transport } from "./types.ts";

export type * from "./types.ts";
export { LibrdkafkaAdmin, LibrdkafkaConsumer, LibrdkafkaProducer, librdkafkaInfo };
export { onLibrdkafkaStats } from "./client.ts";

export interface KafkaTransportOptions {
  /** Comma-separated host:port list (bootstrap.servers). */
  brokers: string;
  /**
   * librdkafka properties for every client (security, client.id, statistics...). Consumer-only keys
   * reach only consumers, producer-only keys only producers (librdkafka would ignore them elsewhere).
   */
  config?: KafkaConfig;
  /** Properties for consumers only; they override `config`. A producer-only key is CONFIG_INVALID. */
  consumerConfig?: KafkaConfig;
  /** Properties for producers only; they override `config`. A consumer-only key is CONFIG_INVALID. */
  producerConfig?: KafkaConfig;
}

/**
 * A Transport over a real Kafka cluster.
 * @example
 * const kafka = createKafkaTransport({ brokers: "127.0.0.1:9092" });
 * const producer = kafka.producer();
 * await producer.send([{ topic: "events", key: "k1", value: JSON.stringify({ hello: "world" }) }]);
 */
export function createKafkaTransport(opts: KafkaTransportOptions): Transport {
  // A broker that comes back is found within a second: librdkafka backs reconnects off up to 10 s
  // by default, which bench/recovery measured as 14–19 s before results flowed again after a broker
  // restart. Overridable like every property.
  const base: KafkaConfig = { "bootstrap.servers": opts.brokers, "reconnect.backoff.max.ms": 1000, ...opts.config };
  assertRole(opts.consumerConfig ?? {}, "consumer", "consumerConfig");
  assertRole(opts.producerConfig ?? {}, "producer", "producerConfig");
  const consumerBase = { ...forConsumer(base), ...opts.consumerConfig };
  const producerBase = { ...forProducer(base), ...opts.producerConfig };
  const adminBase = forAdmin(base);
  const clients = new Set<{ close(): Promise<void> }>();
  const track = <T extends { close(): Promise<void> }>(c: T): T => {
    clients.add(c);
    const close = c.close.bind(c);
    c.close = async () => {
      clients.delete(c);
      await close();
    };
    return c;
  };
  const info = librdkafkaInfo();
  return {
    kind: "librdkafka",
    description: `Kafka at ${opts.brokers} via librdkafka ${info.version} (${info.source})`,
    producer: (p: ProducerOptions = {}): Producer => track(new LibrdkafkaProducer({ ...p, config: { ...p.defaults, ...producerBase, ...p.config } })),
    consumer: (c: ConsumerOptions): Consumer => track(new LibrdkafkaConsumer({ ...c, config: { ...consumerBase, ...c.config } })),
    admin: (): Admin => track(new LibrdkafkaAdmin(adminBase)),
    async close() {
      await Promise.allSettled([...clients].map((c) => c.close()));
    },
  };
}
