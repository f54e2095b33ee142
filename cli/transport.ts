// The Kafka connection for CLI tools: --brokers, else KAFKA_BROKERS (+ WEIR_KAFKA_CONFIG[_FILE]).
import { WeirError } from "../engine/errors.ts";
import { kafkaFromEnv } from "../engine/kafka/env.ts";
import type { Transport } from "../engine/kafka/types.ts";

export async function cliTransport(brokers?: string): Promise<Transport> {
  const env = kafkaFromEnv(brokers ? { ...process.env, KAFKA_BROKERS: brokers } : process.env);
  if (!env) throw new WeirError("CONFIG_INVALID", "no Kafka cluster: pass --brokers HOST:PORT or set KAFKA_BROKERS");
  const { createKafkaTransport } = await import("../engine/kafka/index.ts");
  return createKafkaTransport(env);
}
