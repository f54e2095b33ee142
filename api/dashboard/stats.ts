// The numbers the dashboard polls: throughput, lag and agent latency, read from the metrics registry.
import { metrics } from "../../engine/observability/metrics.ts";

const label = (k: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(k)?.[1] ?? "";

export function dashboardStats() {
  const consumed = metrics.counter("weir_consumed_records_total", "Records consumed, per topic");
  const produced = metrics.counter("weir_produced_records_total", "Records produced, per topic");
  const lag = metrics.gauge("weir_consumer_lag", "Records behind the end of each assigned partition (committed offset to high watermark)");
  const latency = metrics.histogram("weir_agent_latency_seconds", "Agent processing time");
  const inFlight = metrics.gauge("weir_agent_in_flight", "Messages being processed per agent");
  const dlq = metrics.counter("weir_dead_letters_total", "Records sent to the dead-letter topic");
  return {
    at: Date.now(),
    consumed: consumed.total(),
    produced: produced.total(),
    deadLetters: dlq.total(),
    lag: lag.entries().reduce((s, [, v]) => s + v, 0),
    agents: latency.entries().map(([k, h]) => ({ agent: label(k, "agent"), meanMs: h.count ? (h.sum / h.count) * 1000 : 0, count: h.count, inFlight: inFlight.get({ agent: label(k, "agent") }) })),
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
  };
}
