// weir's side of the API bench: the real API (api/server.ts) on port 0 with an API key, producing to
// the bench's topic through weir's own Kafka client. Rate limits are lifted for the bench tenant.
import type { RunningServer } from "./baseline.ts";
import { loadApiConfig } from "../../api/config.ts";
import { startServer } from "../../api/server.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";

export interface WeirApi extends RunningServer {
  /** Bearer token the load generator sends. */
  token: string;
  /** WebSocket subscription URL and the way to make weir fan out (not wired yet). */
  wsUrl?: string;
  triggerUrl?: string;
}

export async function startWeirApi(opts: { brokers: string; topic: string }): Promise<WeirApi | null> {
  const transport = createKafkaTransport({ brokers: opts.brokers });
  const producer = transport.producer();
  const config = loadApiConfig({ PORT: "0", HOST: "127.0.0.1", WEIR_API_KEYS: "bench:bench-key", WEIR_INGEST_TOPIC: opts.topic, WEIR_RATE_LIMIT_RPS: "10000000", WEIR_RATE_LIMIT_BURST: "10000000", WEIR_LOG_LEVEL: "warn" });
  const api = await startServer({ config, producer });
  return {
    url: new URL("/v1/messages", api.url).href,
    token: "bench-key",
    async stop() {
      await api.stop();
      await producer.close();
      await transport.close();
    },
  };
}
