// Starts the API from the environment: `bun api/main.ts`. Kafka from KAFKA_BROKERS (the in-process
// transport when unset, development only), PostgreSQL from DATABASE_URL, search from
// ELASTICSEARCH_URL, similarity from QDRANT_URL. Stops cleanly on SIGINT/SIGTERM.
import { createKafkaTransport } from "../engine/kafka/index.ts";
import { kafkaProbe } from "../engine/kafka/health.ts";
import type { Transport } from "../engine/kafka/types.ts";
import { logger } from "../engine/log.ts";
import { ElasticsearchSink } from "../engine/sinks/elasticsearch-sink.ts";
import { QdrantSink } from "../engine/sinks/qdrant-sink.ts";
import { createMemoryTransport } from "../engine/transport/memory.ts";
import { connect } from "../persistence/db.ts";
import { PgIdempotencyStore } from "../persistence/idempotency.ts";
import { Store } from "../persistence/store.ts";
import type { ApiDeps } from "./app.ts";
import { loadApiConfig } from "./config.ts";
import { startServer } from "./server.ts";

const log = logger("api");

export async function main(env = process.env) {
  const config = loadApiConfig(env);
  const transport: Transport = env.KAFKA_BROKERS ? createKafkaTransport({ brokers: env.KAFKA_BROKERS }) : createMemoryTransport();
  if (!env.KAFKA_BROKERS) log.warn("KAFKA_BROKERS not set: using the in-process transport (development only)");
  const producer = transport.producer();
  const url = env.DATABASE_URL;
  const store = url ? new Store(connect({ url }), { reconnect: () => connect({ url }) }) : undefined;
  const es = env.ELASTICSEARCH_URL ? new ElasticsearchSink({ url: env.ELASTICSEARCH_URL, prefix: env.WEIR_ES_PREFIX }) : undefined;
  const qd = env.QDRANT_URL ? new QdrantSink({ url: env.QDRANT_URL, collection: env.WEIR_QDRANT_COLLECTION, dimensions: Number(env.WEIR_EMBEDDING_DIMENSIONS ?? 384) }) : undefined;
  await es?.start();
  await qd?.start();
  const health: NonNullable<ApiDeps["health"]> = {
    kafka: kafkaProbe(transport),
  };
  if (store) health.postgres = async () => (await store.ping(), true);
  if (es) health.elasticsearch = () => es.health();
  if (qd) health.qdrant = () => qd.health();
  const api = await startServer({
    config,
    producer,
    store,
    idempotency: store ? new PgIdempotencyStore(store) : undefined,
    search: es ? (t, q, n) => es.search(t, q, n) : undefined,
    similar: qd ? (t, c, n) => qd.similarConversations(t, c, n) : undefined,
    health,
  });
  const stop = async () => {
    await api.stop();
    await producer.close();
    await transport.close();
    await store?.close();
    await es?.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return api;
}

if (import.meta.main) await main();
