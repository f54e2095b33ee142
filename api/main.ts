// Starts the API from the environment: `bun api/main.ts`. Built by the same composition root as
// `weir run` (app/compose.ts): Kafka from KAFKA_BROKERS (the in-process transport when unset,
// development only), PostgreSQL and its idempotency keys from DATABASE_URL, search from
// ELASTICSEARCH_URL, similarity from QDRANT_URL. Stops cleanly on SIGINT/SIGTERM.
import { compose } from "../app/compose.ts";
import { logger } from "../engine/log.ts";

const log = logger("api");

export async function main(env = process.env) {
  // No pipeline runs here, so without DATABASE_URL there is no store (nothing would fill one).
  const app = await compose({ log, env, memoryStore: false });
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
