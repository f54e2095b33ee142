// Recovery bench: real `weir run topology/support.yaml` workers (test/helpers/cluster.ts) under
// continuous ingestion, disrupted again and again, judged by what a user reads.
//   - kill trials: one of the live workers is killed -9 at a random moment and restarted at once
//     (as a supervisor would), on the shared broker;
//   - broker restarts: the private broker (test/helpers/private-broker.ts, its own port) is stopped
//     and started again under the same workers.
// Reports lost messages, messages stuck `partial`, conflicting same-version results on the results
// topic (target 0 each), and how long until results flow again:
//   - "first result": the first final result (PostgreSQL) for a message produced after the disruption;
//   - "all partitions": every source partition written to in the first second after the disruption
//     has a final result for one of those messages: the killed worker's partitions are served again
//     (p95 over trials: < 10 s after a kill, < 15 s after the broker is back).
//
//   bun bench/recovery/run.ts [--kills N] [--restarts N] [--workers N] [--rate MSGS_PER_S]
//                             [--exactly-once] [--out PATH]
//   env: WEIR_RECOVERY_KILLS (20), WEIR_RECOVERY_RESTARTS (3), KAFKA_BROKERS (127.0.0.1:9092),
//        WEIR_RECOVERY_BROKER_PORT (19292: not the broker-restart test's 19192, so both can run),
//        WEIR_TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)
// Writes bench/results/recovery.json (or --out). A run with fewer trials than the defaults says so
// in its `setup.quick` field.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Cluster, DEFAULT_WORKER_KAFKA_CONFIG } from "../../test/helpers/cluster.ts";
import { privateBroker } from "../../test/helpers/private-broker.ts";
import type { SupportTraffic } from "../../test/helpers/support-traffic.ts";
import { insightStatuses, summarise, type Outcome } from "../../test/helpers/user-view.ts";
import type { BenchResult } from "../lib/results.ts";
import { writeResults } from "../lib/results.ts";

const { values: flags } = parseArgs({
  options: {
    kills: { type: "string" },
    restarts: { type: "string" },
    workers: { type: "string" },
    rate: { type: "string" },
    "exactly-once": { type: "boolean" },
    out: { type: "string" },
  },
});
const KILLS = Number(flags.kills ?? process.env.WEIR_RECOVERY_KILLS ?? 20);
const RESTARTS = Number(flags.restarts ?? process.env.WEIR_RECOVERY_RESTARTS ?? 3);
const WORKERS = Number(flags.workers ?? 2);
const RATE = Number(flags.rate ?? 100);
const EOS = !!flags["exactly-once"];
const BROKERS = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const BROKER_PORT = process.env.WEIR_RECOVERY_BROKER_PORT ?? "19292";
/** A disruption not recovered from within this long counts as this long (and fails the target). */
const RECOVERY_CAP_MS = 120_000;
process.env.WEIR_TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";

const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ level: "info", module: "bench.recovery", msg, ...f }));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recovery {
  /** ms from the disruption to the first final result of a message sent after it (null: never). */
  firstMs: number | null;
  /**
   * ms until every source partition written to in the first second after the disruption has a final
   * result for one of those messages (capped at RECOVERY_CAP_MS): each partition is served again.
   * Per partition rather than per message, so a message stuck partial (counted on its own) does not
   * read as "never recovered".
   */
  allPartitionsMs: number;
  recovered: boolean;
}

/**
 * Measures recovery from `t0` against the messages sent in [t0, t0 + 1 s]. Polls PostgreSQL every
 * 100 ms, so times are ±100 ms.
 */
async function measureRecovery(cluster: Cluster, traffic: SupportTraffic, t0: number): Promise<Recovery> {
  while (Date.now() < t0 + 1_100) await pause(50);
  const probe = [...traffic.sentAt].filter(([, at]) => at >= t0 && at < t0 + 1_000).map(([id]) => id);
  const after = () => [...traffic.sentAt].filter(([, at]) => at >= t0).map(([id]) => id);
  let firstMs: number | null = null;
  for (;;) {
    const now = Date.now();
    const statuses = await insightStatuses(cluster.sql);
    if (firstMs === null && after().some((id) => statuses.get(id) === "final")) firstMs = now - t0;
    // Partitions are known once Kafka acknowledged the probe (late after a broker outage).
    if (probe.length && probe.every((id) => traffic.partitionOf.has(id))) {
      const served = new Map<number, boolean>();
      for (const id of probe) {
        const p = traffic.partitionOf.get(id)!;
        served.set(p, (served.get(p) ?? false) || statuses.get(id) === "final");
      }
      if ([...served.values()].every(Boolean)) return { firstMs: firstMs ?? now - t0, allPartitionsMs: now - t0, recovered: true };
    }
    if (now - t0 > RECOVERY_CAP_MS) return { firstMs, allPartitionsMs: RECOVERY_CAP_MS, recovered: false };
    await pause(100);
  }
}

const p95 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)] : NaN);

type Run = { outcome: Outcome; recoveries: Recovery[]; crashes: ReturnType<Cluster["crashes"]> };

async function killTrials(): Promise<Run> {
  await using cluster = await Cluster.create({ workers: WORKERS, exactlyOnce: EOS, brokers: BROKERS, name: "recovery-kill" });
  await cluster.startAll();
  const traffic = cluster.traffic({ rate: RATE }).start();
  const recoveries: Recovery[] = [];
  for (let i = 0; i < KILLS; i++) {
    // A random moment: 2–6 s of steady traffic since the last recovery.
    await pause(2_000 + Math.random() * 4_000);
    const victim = cluster.workers[Math.floor(Math.random() * WORKERS)];
    const t0 = Date.now();
    await victim.kill9();
    await victim.start();
    const r = await measureRecovery(cluster, traffic, t0);
    recoveries.push(r);
    log("kill trial", { trial: i + 1, of: KILLS, victim: victim.opts.name, ...r });
  }
  await traffic.stop();
  const outcome = await cluster.check(traffic.acked.keys());
  const crashes = cluster.crashes();
  log("kill trials outcome", { ...summarise(outcome), crashes, log: cluster.logFile });
  return { outcome, recoveries, crashes };
}

async function brokerRestarts(): Promise<Run> {
  const broker = privateBroker(BROKER_PORT);
  broker.start();
  try {
    await using cluster = await Cluster.create({ workers: WORKERS, exactlyOnce: EOS, brokers: broker.brokers, name: "recovery-broker" });
    await cluster.startAll();
    const traffic = cluster.traffic({ rate: RATE }).start();
    const recoveries: Recovery[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      await pause(3_000 + Math.random() * 4_000);
      broker.stop();
      // A short outage, as a rolling broker restart is.
      await pause(3_000);
      broker.start();
      const t0 = Date.now();
      const r = await measureRecovery(cluster, traffic, t0);
      recoveries.push(r);
      log("broker restart", { trial: i + 1, of: RESTARTS, ...r, workersAlive: cluster.workers.map((w) => w.alive) });
    }
    await traffic.stop();
    const outcome = await cluster.check(traffic.acked.keys());
    const crashes = cluster.crashes();
    log("broker restarts outcome", { ...summarise(outcome), unacknowledged: traffic.failed.length, crashes, log: cluster.logFile });
    return { outcome, recoveries, crashes };
  } finally {
    broker.reset();
  }
}

/**
 * A result against an absolute requirement (`limit`: at most this value). `ratio` stays "bigger is
 * better" as in bench/lib/results.ts: limit ÷ value for times, 1 or 0 for counts that must be 0;
 * `target` 1 means "within the requirement".
 */
function requirement(name: string, value: number, unit: string, limit: number, what: string): BenchResult {
  const ratio = value <= limit ? (limit > 0 && value > 0 ? limit / value : 1) : limit > 0 ? limit / value : 0;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { name, value: r(value), unit, baseline: what, baseline_value: limit, ratio: r(ratio), target: 1, pass: value <= limit };
}

const kills = KILLS > 0 ? await killTrials() : null;
const restarts = RESTARTS > 0 ? await brokerRestarts() : null;

const results: BenchResult[] = [];
for (const [label, run] of [
  ["kill -9", kills],
  ["broker restart", restarts],
] as const) {
  if (!run) continue;
  const o = run.outcome;
  results.push(requirement(`${label}: lost messages`, o.lost.length, "messages", 0, "requirement: none"));
  results.push(requirement(`${label}: messages stuck partial`, o.stuckPartial.length, "messages", 0, "requirement: none"));
  results.push(requirement(`${label}: conflicting same-version results (per message)`, o.conflicts.length, "ids", 0, "requirement: none"));
  results.push(requirement(`${label}: worker exits nobody asked for (crashes)`, run.crashes.length, "exits", 0, "requirement: none"));
  results.push(requirement(`${label}: conflicting same-version rollups`, o.rollupConflicts.length, "conversations×versions", 0, "requirement: none"));
  const limit = label === "kill -9" ? 10_000 : 15_000;
  const all = run.recoveries.map((r) => r.allPartitionsMs);
  const first = run.recoveries.map((r) => r.firstMs ?? RECOVERY_CAP_MS);
  results.push(requirement(`${label}: p95 time until results flow again on all partitions`, p95(all), "ms", limit, `requirement: < ${limit / 1000} s${label === "broker restart" ? " after the broker is back" : ""}`));
  results.push(requirement(`${label}: p95 time until the first result for a message sent after it`, p95(first), "ms", limit, `requirement: < ${limit / 1000} s`));
}

const quick = KILLS < 20 || RESTARTS < 3;
const out = flags.out ?? "recovery";
const path = writeResults(out, `bun bench/recovery/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`, results, {
  setup: {
    quick: quick ? `quick run: ${KILLS} kill trials, ${RESTARTS} broker restarts (full: 20 and 3)` : false,
    workers: WORKERS,
    rate_msgs_per_s: RATE,
    delivery: EOS ? "exactly-once" : "at-least-once",
    brokers: { kills: BROKERS, restarts: `127.0.0.1:${BROKER_PORT} (private)` },
    worker_kafka_config: DEFAULT_WORKER_KAFKA_CONFIG,
    recoveries: { kill: kills?.recoveries ?? [], broker_restart: restarts?.recoveries ?? [] },
    outcome: { kill: kills ? summarise(kills.outcome) : null, broker_restart: restarts ? summarise(restarts.outcome) : null },
    crashes: { kill: kills?.crashes ?? [], broker_restart: restarts?.crashes ?? [] },
  },
  notes: [
    "Workers are real `weir run FILE --no-api` processes (topology/support.yaml copied with unique topics, via prefixes and groupId; PostgreSQL in a fresh schema).",
    "Kill: a random worker is killed -9 after 2–6 s of steady traffic and restarted at once. Recovery is timed from the kill.",
    "Broker restart: the private broker is stopped (SIGTERM, waits for the port to close), left down 3 s, started; recovery is timed from when it listens again.",
    "Results flow again on all partitions = every source partition written to in the first second after t0 has a final row in PostgreSQL for one of those messages (polled every 100 ms). A disruption not recovered within 120 s counts as 120 s. First result = the first final row for any message sent after t0.",
    "Lost / stuck / conflicts are judged once traffic stopped and results settled (every id final, or no progress for 25 s, at most 120 s): lost = no row and no result on the topic; conflicts = two records on the results topic with the same key, weir.kind and weir.version but different values (rollups ignore their updatedAt).",
    "target 1 on ratio = within the requirement (baseline_value is the requirement's bound).",
  ],
});
log("written", { path: resolve(path) });
process.exit(0);
