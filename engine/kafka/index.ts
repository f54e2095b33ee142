// Public surface of weir's Kafka layer: librdkafka through bun:ffi, behind the Transport contract.
import { LibrdkafkaAdmin } from "./admin.ts";
import { LibrdkafkaConsumer } from "./consumer.ts";
import { LibrdkafkaProducer } from "./producer.ts";
import { librdkafkaInfo } from "./native.ts";
import type { Admin, Consumer, ConsumerOptions, KafkaConfig, Producer, ProducerOptions, Transport } from "./types.ts";

export type * from "./types.ts";
export { LibrdkafkaAdmin, LibrdkafkaConsumer, LibrdkafkaProducer, librdkafkaInfo };
export { onLibrdkafkaStats } from "./client.ts";

export interface KafkaTransportOptions {
  /** Comma-separated host:port list (bootstrap.servers). */
  brokers: string;
  /** Extra librdkafka properties applied to every client (security, client.id, statistics...). */
  config?: KafkaConfig;
}

/**
 * A Transport over a real Kafka cluster.
 * @example
 * const kafka = createKafkaTransport({ brokers: "127.0.0.1:9092" });
 * const producer = kafka.producer();
 * await producer.send([{ topic: "events", key: "k1", value: JSON.stringify({ hello: "world" }) }]);
 */
export function createKafkaTransport(opts: KafkaTransportOptions): Transport {
  const base: KafkaConfig = { "bootstrap.servers": opts.brokers, ...opts.config };
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
    producer: (p: ProducerOptions = {}): Producer => track(new LibrdkafkaProducer({ ...p, config: { ...p.defaults, ...base, ...p.config } })),
    consumer: (c: ConsumerOptions): Consumer => track(new LibrdkafkaConsumer({ ...c, config: { ...base, ...c.config } })),
    admin: (): Admin => track(new LibrdkafkaAdmin(base)),
    async close() {
      await Promise.allSettled([...clients].map((c) => c.close()));
    },
  };
}
