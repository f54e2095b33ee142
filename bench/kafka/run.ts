// Kafka throughput, side by side in one run on the real broker: weir (bun:ffi) against
// @confluentinc/kafka-javascript on Node, KafkaJS on Node, Debian's kcat and a minimal C loop,
// all but KafkaJS on the same librdkafka 2.15.1 with the same settings.
//   bun bench/kafka/run.ts            (WEIR_BENCH_SCALE=0.2 for a quick run)
//   WEIR_BENCH_CLIENTS=weir,c-loop bun bench/kafka/run.ts   (only those clients; prints, writes nothing)
// Writes bench/results/kafka.json.
import { resolve } from "node:path";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Progress } from "../../cli/progress.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import { locateLibrdkafka } from "../../engine/kafka/library-path.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";
import { WeirError } from "../../engine/errors.ts";

const root = resolve(import.meta.dir, "../..");
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const scale = Number(process.env.WEIR_BENCH_SCALE ?? 1);
const repeats = Number(process.env.WEIR_BENCH_REPEATS ?? 3);
const PARTITIONS = 3;
// Consumers time from their first batch (up to 10 000 messages) and do not count it: keep N well above that.
// Runs last a few seconds each: sub-second runs (the earlier 1 M × 100 B and 300 k × 1 KB) swung
// by ±20 % between repeats on this shared machine, for the C loop as much as for weir.
const MIN_COUNT = 50_000;
const SIZES = [
  { size: 100, count: Math.max(MIN_COUNT, Math.round(3_000_000 * scale)) },
  { size: 1024, count: Math.max(MIN_COUNT, Math.round(1_000_000 * scale)) },
];
const lib = locateLibrdkafka()!;
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "bench.kafka", msg, ...f }));

// Bounds every client process: a consumer that never sees all N messages must fail the run, not hang it.
const PROCESS_TIMEOUT_MS = Number(process.env.WEIR_BENCH_TIMEOUT_S ?? 600) * 1000;
function sh(cmd: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync(cmd, { cwd: root, env: { ...process.env, WEIR_LOG_LEVEL: "warn", ...env }, stdout: "pipe", stderr: "pipe", timeout: PROCESS_TIMEOUT_MS });
  if (r.exitedDueToTimeout) throw new WeirError("INTERNAL", `${cmd.join(" ")} did not finish within ${PROCESS_TIMEOUT_MS / 1000}s`);
  if (r.exitCode !== 0) throw new WeirError("INTERNAL", `${cmd.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().slice(-2000)}`);
  return r.stdout.toString();
}

sh(["bash", "scripts/kafka/broker.sh", "start"]);
sh(["bash", "bench/kafka/setup-peers.sh"]);
const hasKcat = Bun.spawnSync(["sh", "-c", "command -v kcat"]).exitCode === 0;

interface Client {
  name: string;
  label: string;
  produce(topic: string, n: number, size: number): string[];
  consume(topic: string, n: number, group: string): string[];
  env?: Record<string, string>;
  /** Processes that print nothing themselves are timed from outside. */
  external?: boolean;
  /** A second API of the same peer: the peer's figure is the faster of its APIs. */
  variantOf?: string;
}
// The same librdkafka settings for every librdkafka-based client, handed to each as key=value
// (kcat as -X key=value), so no client runs on its own defaults.
const PRODUCE_CONF = {
  "enable.idempotence": "true",
  acks: "all",
  "compression.codec": "none",
  "linger.ms": "5",
  "batch.num.messages": "10000",
  "batch.size": "1000000",
  "queue.buffering.max.messages": "500000",
  "queue.buffering.max.kbytes": "1048576",
};
const CONSUME_CONF = {
  "auto.offset.reset": "earliest",
  "enable.auto.commit": "false",
  "fetch.wait.max.ms": "100",
  "queued.min.messages": "1000000",
  "queued.max.messages.kbytes": "65536",
  // librdkafka's default (1000 ms) idles any consumer that drains a full prefetch queue in less.
  "fetch.queue.backoff.ms": "10",
  "isolation.level": "read_committed",
};
// kcat reads the partitions directly (no -G): a group join would add the broker's 3 s initial
// rebalance delay to its wall-clock time. Group-only properties do not apply there.
const { "enable.auto.commit": _ac, "auto.offset.reset": _aor, ...KCAT_CONSUME_CONF } = CONSUME_CONF;
const kv = (c: Record<string, string>) => Object.entries(c).map(([k, v]) => `${k}=${v}`);
const kcatX = (c: Record<string, string>) => kv(c).map((x) => `-X ${x}`).join(" ");
const nodeVersion = sh(["node", "--version"]).trim();
const peerVersion = (pkg: string) => (JSON.parse(readFileSync(resolve(root, `bench/peers/node_modules/${pkg}/package.json`), "utf8")) as { version: string }).version;
const allClients: Client[] = [
  { name: "weir", label: `weir (bun:ffi) on bun ${Bun.version}`, env: { WEIR_LOG_LEVEL: "warn" }, produce: (t, n, s) => ["bun", "bench/kafka/weir.ts", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["bun", "bench/kafka/weir.ts", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "c-loop", label: `C loop on librdkafka ${lib.version}`, produce: (t, n, s) => ["bench/bin/kafka-loop", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["bench/bin/kafka-loop", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "confluent-node", label: `@confluentinc/kafka-javascript ${peerVersion("@confluentinc/kafka-javascript")} (node-rdkafka-style API) on node ${nodeVersion}`, produce: (t, n, s) => ["node", "bench/peers/confluent.cjs", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["node", "bench/peers/confluent.cjs", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "confluent-node-promisified", variantOf: "confluent-node", label: `@confluentinc/kafka-javascript ${peerVersion("@confluentinc/kafka-javascript")} (promisified KafkaJS-compatible API) on node ${nodeVersion}`, produce: (t, n, s) => ["node", "bench/peers/confluent-promisified.cjs", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["node", "bench/peers/confluent-promisified.cjs", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "kafkajs-node", label: `kafkajs ${peerVersion("kafkajs")} on node ${nodeVersion}`, produce: (t, n, s) => ["node", "bench/peers/kafkajs.cjs", "produce", brokers, t, String(n), String(s)], consume: (t, n, g) => ["node", "bench/peers/kafkajs.cjs", "consume", brokers, t, String(n), g] },
];
if (hasKcat) {
  allClients.push({
    name: "kcat",
    label: `kcat ${kcatVersion()} (Debian) on librdkafka ${lib.version} via LD_LIBRARY_PATH`,
    env: { LD_LIBRARY_PATH: resolve(lib.path, "..") },
    external: true,
    produce: (t, n, s) => ["sh", "-c", `kcat -P -b ${brokers} -t ${t} ${kcatX(PRODUCE_CONF)} -l ${inputFile(n, s)}`],
    consume: (t, n, g) => ["sh", "-c", `kcat -C -b ${brokers} -t ${t} -o beginning ${kcatX(KCAT_CONSUME_CONF)} -c ${n} -q -f '%o\\n' > /dev/null`],
  });
}

// A subset is for quick iterations: its figures are printed but never replace the full results file.
const only = process.env.WEIR_BENCH_CLIENTS?.split(",").map((s) => s.trim()).filter(Boolean);
const clients = only ? allClients.filter((c) => only.includes(c.name)) : allClients;

function kcatVersion(): string {
  const out = Bun.spawnSync(["kcat", "-V"], { stdout: "pipe", stderr: "pipe" });
  return /Version (\S+)/.exec(out.stdout.toString() + out.stderr.toString())?.[1] ?? "";
}

const inputs = new Map<string, string>();
function inputFile(n: number, size: number): string {
  const key = `${n}-${size}`;
  let p = inputs.get(key);
  if (!p) {
    mkdirSync(resolve(root, ".cache/bench"), { recursive: true });
    p = resolve(root, `.cache/bench/kcat-${key}.txt`);
    const line = "x".repeat(size) + "\n";
    writeFileSync(p, line.repeat(n));
    inputs.set(key, p);
  }
  return p;
}

const t = createKafkaTransport({ brokers });
const admin = t.admin();
const commands: Record<string, { produce: string; consume: string }> = {};
// best msgs/s per client/op/size
const best = new Map<string, number>();
const total = SIZES.length * clients.length * repeats;
const progress = new Progress({ label: "kafka bench", total, unit: "runs" });

/** msgs/s of one process: its own timing line, or for kcat the whole wall-clock time. */
function run(cmd: string[], count: number, env?: Record<string, string>, external?: boolean): number {
  const t0 = performance.now();
  const out = sh(cmd, env);
  const wall = (performance.now() - t0) / 1000;
  if (external) return count / wall;
  // The timing line is the one with "seconds"; weir's own logs may share stdout.
  const line = out.trim().split("\n").map((l) => { try { return JSON.parse(l); } catch { return null; } }).findLast((l) => l && typeof l.seconds === "number") as { msgs: number; timed?: number; seconds: number; failed?: number } | undefined;
  if (!line) throw new WeirError("INTERNAL", `${cmd.join(" ")}: no timing line in its output: ${out.slice(-500)}`);
  if (line.failed) throw new WeirError("INTERNAL", `${cmd.join(" ")}: ${line.failed} messages failed`);
  const timed = line.timed ?? line.msgs;
  if (!(line.seconds > 0) || timed <= 0) throw new WeirError("INTERNAL", `${cmd.join(" ")}: nothing timed (${JSON.stringify(line)}); raise the message count`);
  return timed / line.seconds;
}

for (const { size, count } of SIZES) {
  for (let r = 0; r < repeats; r++) {
    for (const c of clients) {
      const topic = `bench-${c.name}-${size}-${crypto.randomUUID().slice(0, 6)}`;
      await admin.createTopics([{ topic, partitions: PARTITIONS }]);
      const pc = c.produce(topic, count, size);
      const cc = c.consume(topic, count, `g-${topic}`);
      commands[c.name] = { produce: pc.join(" "), consume: cc.join(" ") };
      let ps: number, cs: number;
      try {
        ps = run(pc, count, c.env, c.external);
        cs = run(cc, count, c.env, c.external);
      } catch (e) {
        // Leave no topic behind on a failed run either.
        await admin.deleteTopics([topic]).catch(() => {});
        throw e;
      }
      for (const [op, rate] of [["produce", ps], ["consume", cs]] as const) {
        const k = `${c.name}|${op}|${size}`;
        best.set(k, Math.max(best.get(k) ?? 0, rate));
        log("measured", { client: c.name, op, size, count, msgsPerSec: Math.round(rate), mbPerSec: +((rate * size) / 1e6).toFixed(1) });
      }
      await admin.deleteTopics([topic]);
      progress.tick();
    }
  }
}
progress.finish();
// kcat's input files are up to 300 MB: do not leave them behind.
for (const p of inputs.values()) rmSync(p, { force: true });
await admin.close();
await t.close();

const results: BenchResult[] = [];
const targets: Record<string, number | null> = { "confluent-node": 1.5, "c-loop": 0.7, kcat: 0.7, "kafkajs-node": 1.5 };
for (const { size } of SIZES) {
  for (const op of ["produce", "consume"] as const) {
    const w = best.get(`weir|${op}|${size}`)!;
    for (const c of clients.filter((x) => x.name !== "weir" && !x.variantOf)) {
      // A peer with several APIs is represented by its fastest one for this op and size.
      const candidates = clients.filter((x) => x.name === c.name || x.variantOf === c.name).map((x) => ({ x, v: best.get(`${x.name}|${op}|${size}`) ?? 0 }));
      const top = candidates.reduce((a, b) => (b.v > a.v ? b : a));
      if (!top.v) continue;
      results.push(result(`${op} ${size}B msgs/s vs ${c.name}`, w, "msgs/s", top.x.label, top.v, targets[c.name] ?? null));
    }
  }
}
if (only) {
  console.log(JSON.stringify({ clients: only, results }, null, 2));
  process.exit(0);
}
const envPrefix = ["WEIR_BENCH_SCALE", "WEIR_BENCH_REPEATS", "KAFKA_BROKERS"].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join("");
const path = writeResults("kafka", `${envPrefix}bun ${process.argv.slice(1).map((a) => a.replace(root + "/", "")).join(" ")}`, results, {
  setup: { brokers, partitions: PARTITIONS, sizes: SIZES, repeats, best_of: repeats, librdkafka: `${lib.version} (${lib.source})`, machine: `${navigator.hardwareConcurrency} cores, shared` },
  measurements: [...best].map(([k, rate]) => {
    const [client, op, size] = k.split("|");
    return { client, op, size_bytes: Number(size), msgs_per_s: Math.round(rate), mb_per_s: +((rate * Number(size)) / 1e6).toFixed(1) };
  }),
  peer_commands: commands,
  notes: [
    "Each client runs as its own process, one after another, against the same single-node broker (KRaft, 127.0.0.1, on the same 2-core machine as the clients); each run uses a fresh topic with the same partition count; the best of the repeats is kept.",
    "Every librdkafka-based client (weir, C loop, kcat, confluent) gets the same properties (see producer_config / consumer_config) and librdkafka 2.15.1: weir, the C loop and kcat load vendor/librdkafka; the confluent addon is compiled from the 2.15.1 source its package bundles (same version, its own build flags).",
    "Produce: after one warm-up message is delivered (connection, metadata, idempotent PID), from the first send to the last delivery report. weir and the confluent promisified API send batches of 10 000 with up to 20 in flight; the C loop and the node-rdkafka-style API produce message by message into librdkafka's queue.",
    "Consume: reading back what was produced, in a fresh consumer group; timed from the first delivered batch (after the group join) to the N-th message, not counting that first batch.",
    "kcat is timed from outside as whole-process wall time (start-up, connection and, for produce, reading its input file from disk) and reads the partitions directly without a group (-o beginning); so it is a pessimistic ceiling, the C loop is the real one.",
    "@confluentinc/kafka-javascript is represented by the faster of its two APIs for each row (named in `baseline`); both are measured in every run.",
    "KafkaJS is pure JavaScript (no librdkafka): closest equivalent settings (idempotent, acks=-1, at most 1 request in flight as its idempotent producer requires, sends of up to 10 000 / 800 KB). No target is given for it in the brief; 1.5 is used, the bar set for the other Node client.",
  ],
  producer_config: PRODUCE_CONF,
  consumer_config: CONSUME_CONF,
});
console.log(JSON.stringify({ wrote: path, results }, null, 2));
