// The numbers the dashboard polls, read from the metrics registry: totals now (consumed, produced,
// dead letters, lag, memory), each agent's latency, and a short history (one sample every 2 s or
// more, the last 10 minutes) so the charts have a past as soon as the page opens again.
import { metrics } from "../../engine/observability/metrics.ts";

const label = (k: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(k)?.[1] ?? "";

export interface StatsSample {
  at: number;
  consumed: number;
  lag: number;
  deadLetters: number;
}

const HISTORY_MS = 10 * 60_000;
const history: StatsSample[] = [];

/** Percentile of a histogram from its cumulative bucket counts: the upper bound of the bucket that holds it (null past the last). */
function percentile(h: { counts?: number[]; count: number }, bounds: number[] | undefined, q: number): number | null {
  if (!h.count || !bounds || !h.counts) return null;
  const want = q * h.count;
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i] >= want) return bounds[i] ?? null;
  return null;
}

export function dashboardStats(now = Date.now()) {
  const consumed = metrics.counter("weir_consumed_records_total", "Records consumed, per topic");
  const produced = metrics.counter("weir_produced_records_total", "Records produced, per topic");
  const lag = metrics.gauge("weir_consumer_lag", "Records behind the end of each assigned partition (committed offset to high watermark)");
  const latency = metrics.histogram("weir_agent_latency_seconds", "Agent processing time");
  const inFlight = metrics.gauge("weir_agent_in_flight", "Messages being processed per agent");
  const dlq = metrics.counter("weir_dead_letters_total", "Records sent to the dead-letter topic");
  const sample: StatsSample = { at: now, consumed: consumed.total(), lag: lag.entries().reduce((s, [, v]) => s + v, 0), deadLetters: dlq.total() };
  if (!history.length || now - history[history.length - 1].at >= 2_000) history.push(sample);
  while (history.length && now - history[0].at > HISTORY_MS) history.shift();
  const bounds = latency.buckets;
  return {
    ...sample,
    produced: produced.total(),
    agents: latency.entries().map(([k, h]) => {
      const hist = h;
      const p95 = percentile(hist, bounds, 0.95);
      return { agent: label(k, "agent"), meanMs: hist.count ? (hist.sum / hist.count) * 1000 : 0, p95Ms: p95 === null ? null : p95 * 1000, count: hist.count, inFlight: inFlight.get({ agent: label(k, "agent") }) };
    }),
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    history: history.map((s) => ({ ...s })),
  };
}
