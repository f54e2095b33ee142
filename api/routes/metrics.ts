// GET /metrics: the process registry in Prometheus text format, plus process memory and
// librdkafka statistics (when statistics.interval.ms is set) folded into gauges.
import { Elysia } from "elysia";
import { metrics } from "../../engine/observability/metrics.ts";

const rss = metrics.gauge("weir_process_resident_memory_bytes", "Resident set size");
const heap = metrics.gauge("weir_process_heap_bytes", "JavaScript heap in use");
metrics.onCollect(() => {
  const m = process.memoryUsage();
  rss.set(undefined, m.rss);
  heap.set(undefined, m.heapUsed);
});

const brokerRtt = metrics.gauge("weir_kafka_broker_rtt_avg_seconds", "librdkafka: average broker round-trip time");
const partitionLag = metrics.gauge("weir_kafka_consumer_lag", "librdkafka: consumer lag per partition");
const txMsgs = metrics.gauge("weir_kafka_tx_messages", "librdkafka: messages transmitted (total)");
const rxMsgs = metrics.gauge("weir_kafka_rx_messages", "librdkafka: messages received (total)");
const queued = metrics.gauge("weir_kafka_queued_messages", "librdkafka: messages in the producer queue");

/** Maps the useful parts of librdkafka's statistics JSON onto gauges. */
export function recordLibrdkafkaStats(s: Record<string, any>): void {
  const client = String(s.name ?? "rdkafka");
  if (typeof s.txmsgs === "number") txMsgs.set({ client }, s.txmsgs);
  if (typeof s.rxmsgs === "number") rxMsgs.set({ client }, s.rxmsgs);
  if (typeof s.msg_cnt === "number") queued.set({ client }, s.msg_cnt);
  for (const [name, b] of Object.entries((s.brokers ?? {}) as Record<string, any>)) if (b?.rtt?.avg) brokerRtt.set({ client, broker: name }, b.rtt.avg / 1e6);
  for (const [topic, t] of Object.entries((s.topics ?? {}) as Record<string, any>))
    for (const [p, part] of Object.entries((t?.partitions ?? {}) as Record<string, any>))
      if (p !== "-1" && typeof part?.consumer_lag === "number" && part.consumer_lag >= 0) partitionLag.set({ client, topic, partition: p }, part.consumer_lag);
}

// librdkafka statistics are surfaced whenever a Kafka client has statistics.interval.ms set.
try {
  const { onLibrdkafkaStats } = await import("../../engine/kafka/client.ts");
  onLibrdkafkaStats(recordLibrdkafkaStats);
} catch {
  /* librdkafka not loadable here: the embedded transport has no statistics */
}

export const metricsRoute = new Elysia({ name: "weir-metrics" }).get("/metrics", () => new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }), {
  detail: { summary: "Prometheus metrics", tags: ["operations"] },
});
