// The runtime's metrics, made once and shared by its parts (consume loop, agents, sinks, commits).
import { metrics } from "../observability/metrics.ts";

export const meters = {
  consumed: metrics.counter("weir_consumed_records_total", "Records consumed, per topic"),
  produced: metrics.counter("weir_produced_records_total", "Records produced, per topic"),
  inFlight: metrics.gauge("weir_agent_in_flight", "Messages being processed per agent"),
  mailbox: metrics.gauge("weir_agent_mailbox_depth", "Messages waiting in actor mailboxes per agent"),
  stateKeys: metrics.gauge("weir_state_keys", "State keys per store (agents, joins, rollups, dedupe), in memory or spilled to local disk"),
  openJoins: metrics.gauge("weir_join_open", "Joins waiting for inputs"),
  latency: metrics.histogram("weir_agent_latency_seconds", "Agent processing time"),
  retries: metrics.counter("weir_agent_retries_total", "Agent retries"),
  dlq: metrics.counter("weir_dead_letters_total", "Records sent to the dead-letter topic"),
  rebalances: metrics.counter("weir_rebalances_total", "Partition assignment changes"),
  commits: metrics.counter("weir_commits_total", "Offset commits"),
  lag: metrics.gauge("weir_consumer_lag", "Records behind the end of each assigned partition (committed offset to high watermark)"),
  backpressure: metrics.gauge("weir_backpressure_active", "1 while the consume loop waits for in-flight work to drain"),
};
