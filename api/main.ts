// Starts the API alone, from the environment: `bun api/main.ts`. It ingests (POST /v1/messages →
// the ingest topic) and answers queries from the store, but runs no pipeline: results appear only
// when `weir run` workers consume that topic on the same Kafka cluster and write the same
// DATABASE_URL. Without KAFKA_BROKERS nothing else can reach its in-process topics, so it says
// loudly that what it accepts will never be analysed. Built by the same composition root as
// `weir run` (app/compose.ts): Kafka from KAFKA_BROKERS (the in-process transport when unset,
// development only), PostgreSQL and its idempotency keys from DATABASE_URL, search from
// ELASTICSEARCH_URL, similarity from QDRANT_URL. Stops cleanly on SIGINT/SIGTERM.
import { compose } from "../app/compose.ts";
import { logger } from "../engine/log.ts";

const log = logger("api");

export async function main(env = process.env) {
  // No pipeline runs here, so without DATABASE_URL there is no store (nothing would fill one).
  const app = await compose({ log, env, memoryStore: false });
  const topic = env.WEIR_INGEST_TOPIC || "support.messages";
  if (app.embedded)
    log.warn(`this process runs the API only, on the in-process transport: messages it accepts go to ${topic} inside this process and nothing will ever consume them. For results, run \`weir run topology/support.yaml\` (API and pipeline in one process), or set KAFKA_BROKERS here and run \`weir run ... --no-api\` workers`, { topic });
  else log.info(`API only: results need \`weir run\` workers consuming ${topic} on this cluster and writing the same DATABASE_URL`, { topic });
  if (!app.store) log.warn("DATABASE_URL is not set: the query endpoints answer 503 (no store)", {});
  const { elasticsearch: es, qdrant: qd } = app.search;
  if (es) app.health.elasticsearch = () => es.health();
  if (qd) app.health.qdrant = () => qd.health();
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return app.api!;
}

if (import.meta.main) await main();
