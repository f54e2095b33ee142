// The server side of the hostile-body bench: the real API (api/server.ts) on port 0, in its own
// process so its RSS is its own, with a producer that acknowledges and discards (the bench measures
// what a body costs the API, not Kafka). Prints {"port","pid"} on stdout once listening.
import { loadApiConfig } from "../../api/config.ts";
import { startServer } from "../../api/server.ts";
import type { DeliveryReport, ProduceRecord, Producer } from "../../engine/kafka/types.ts";

let offset = 0;
const report = (r: ProduceRecord): DeliveryReport => ({ topic: r.topic, partition: 0, offset: offset++ });
const discard = {
  send: async (records: ProduceRecord[]) => records.map(report),
  produce: async (record: ProduceRecord) => report(record),
  flush: async () => {},
  inFlight: () => 0,
  close: async () => {},
} as unknown as Producer;

const config = loadApiConfig({ PORT: "0", HOST: "127.0.0.1", WEIR_API_KEYS: "bench:bench-key", WEIR_RATE_LIMIT_RPS: "0" });
const api = await startServer({ config, producer: discard });
process.stdout.write(JSON.stringify({ port: api.port, pid: process.pid, maxBodyBytes: config.maxBodyBytes }) + "\n");
process.once("SIGTERM", async () => {
  await api.stop();
  process.exit(0);
});
