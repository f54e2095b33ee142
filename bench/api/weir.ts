// weir's side of the API bench: the real API (api/server.ts) on port 0 with an API key, producing to
// the bench's topic through weir's own Kafka client. Rate limits are lifted for the bench tenant.
import type { RunningServer } from "./baseline.ts";
import { loadApiConfig } from "../../api/config.ts";
import { startServer } from "../../api/server.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import { WebSocketSink } from "../../engine/sinks/websocket-sink.ts";

export interface WeirApi extends RunningServer {
  /** Bearer token the load generator sends. */
  token: string;
  /** WebSocket subscription URL and the way to make weir fan out (not wired yet). */
  wsUrl?: string;
  triggerUrl?: string;
}

export async function startWeirApi(opts: { brokers: string; topic: string; fanoutMessages?: number; fanoutSize?: number }): Promise<WeirApi | null> {
  const transport = createKafkaTransport({ brokers: opts.brokers });
  const producer = transport.producer();
  const config = loadApiConfig({ PORT: "0", HOST: "127.0.0.1", WEIR_API_KEYS: "bench:bench-key", WEIR_INGEST_TOPIC: opts.topic, WEIR_RATE_LIMIT_RPS: "10000000", WEIR_RATE_LIMIT_BURST: "10000000", WEIR_LOG_LEVEL: "warn" });
  const api = await startServer({ config, producer });
  // Fan-out goes through the real path: the WebSocket sink publishes results to the hub, which uses
  // Bun's pub/sub per tenant. The trigger writes FANOUT results, as the pipeline would.
  const sink = new WebSocketSink(api.hub);
  const n = opts.fanoutMessages ?? 200;
  const filler = "x".repeat(Math.max(0, (opts.fanoutSize ?? 200) - 120));
  const trigger = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch() {
      setTimeout(async () => {
        for (let i = 0; i < n; i++)
          await sink.write([{ key: `m-${i}`, tenant: "bench", version: 1, kind: "message", headers: {}, timestamp: Date.now(), value: { messageId: `m-${i}`, conversationId: `c-${i % 10}`, status: "final", summary: filler } }]);
      }, 0);
      return new Response("publishing");
    },
  });
  return {
    url: new URL("/v1/messages", api.url).href,
    token: "bench-key",
    wsUrl: `${api.url.href.replace("http", "ws")}ws/stream?access_token=bench-key`,
    triggerUrl: `http://127.0.0.1:${trigger.port}/publish`,
    async stop() {
      trigger.stop(true);
      await api.stop();
      await producer.close();
      await transport.close();
    },
  };
}
