// Kafka throughput, side by side in one run on the real broker: weir (bun:ffi) against
// @confluentinc/kafka-javascript on Node, KafkaJS on Node, Debian's kcat and a minimal C loop,
// all but KafkaJS on the same librdkafka 2.15.1 with the same settings.
//   bun bench/kafka/run.ts            (WEIR_BENCH_SCALE=0.2 for a quick run)
// Writes bench/results/kafka.json.
import { resolve } from "node:path";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Progress } from "../../cli/progress.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import { locateLibrdkafka } from "../../engine/kafka/library-path.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";

const root = resolve(import.meta.dir, "../..");
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const scale = Number(process.env.WEIR_BENCH_SCALE ?? 1);
const repeats = Number(process.env.WEIR_BENCH_REPEATS ?? 2);
const PARTITIONS = 3;
const SIZES = [
  { size: 100, count: Math.round(1_000_000 * scale) },
  { size: 1024, count: Math.round(300_000 * scale) },
];
const lib = locateLibrdkafka()!;
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "bench.kafka", msg, ...f }));

function sh(cmd: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync(cmd, { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().slice(-2000)}`);
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
  "isolation.level": "read_committed",
};
// kcat reads the partitions directly (no -G): a group join would add the broker's 3 s initial
// rebalance delay to its wall-clock time. Group-only properties do not apply there.
const { "enable.auto.commit": _ac, "auto.offset.reset": _aor, ...KCAT_CONSUME_CONF } = CONSUME_CONF;
const kv = (c: Record<string, string>) => Object.entries(c).map(([k, v]) => `${k}=${v}`);
const kcatX = (c: Record<string, string>) => kv(c).map((x) => `-X ${x}`).join(" ");
const nodeVersion = sh(["node", "--version"]).trim();
const peerVersion = (pkg: string) => (JSON.parse(readFileSync(resolve(root, `bench/peers/node_modules/${pkg}/package.json`), "utf8")) as { version: string }).version;
const clients: Client[] = [
  { name: "weir", label: `weir (bun:ffi) on bun ${Bun.version}`, produce: (t, n, s) => ["bun", "bench/kafka/weir.ts", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["bun", "bench/kafka/weir.ts", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "c-loop", label: `C loop on librdkafka ${lib.version}`, produce: (t, n, s) => ["bench/bin/kafka-loop", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["bench/bin/kafka-loop", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "confluent-node", label: `@confluentinc/kafka-javascript ${peerVersion("@confluentinc/kafka-javascript")} (node-rdkafka-style API) on node ${nodeVersion}`, produce: (t, n, s) => ["node", "bench/peers/confluent.cjs", "produce", brokers, t, String(n), String(s), ...kv(PRODUCE_CONF)], consume: (t, n, g) => ["node", "bench/peers/confluent.cjs", "consume", brokers, t, String(n), g, ...kv(CONSUME_CONF)] },
  { name: "kafkajs-node", label: `kafkajs ${peerVersion("kafkajs")} on node ${nodeVersion}`, produce: (t, n, s) => ["node", "bench/peers/kafkajs.cjs", "produce", brokers, t, String(n), String(s)], consume: (t, n, g) => ["node", "bench/peers/kafkajs.cjs", "consume", brokers, t, String(n), g] },
];
if (hasKcat) {
  clients.push({
    name: "kcat",
    label: `kcat (Debian) on librdkafka ${lib.version} via LD_LIBRARY_PATH`,
    env: { LD_LIBRARY_PATH: resolve(lib.path, "..") },
    external: true,
    produce: (t, n, s) => ["sh", "-c", `kcat -P -b ${brokers} -t ${t} ${kcatX(PRODUCE_CONF)} -l ${inputFile(n, s)}`],
    consume: (t, n, g) => ["sh", "-c", `kcat -C -b ${brokers} -t ${t} -o beginning ${kcatX(KCAT_CONSUME_CONF)} -c ${n} -q -f '%o\\n' > /dev/null`],
  });
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

function run(cmd: string[], env?: Record<string, string>, external?: boolean): number {
  const t0 = performance.now();
  const out = sh(cmd, env);
  const wall = (performance.now() - t0) / 1000;
  if (external) return wall;
  const line = out.trim().split("\n").at(-1)!;
  return (JSON.parse(line) as { seconds: number }).seconds;
}

for (const { size, count } of SIZES) {
  for (let r = 0; r < repeats; r++) {
    for (const c of clients) {
      const topic = `bench-${c.name}-${size}-${crypto.randomUUID().slice(0, 6)}`;
      await admin.createTopics([{ topic, partitions: PARTITIONS }]);
      const pc = c.produce(topic, count, size);
      const cc = c.consume(topic, count, `g-${topic}`);
      commands[c.name] = { produce: pc.join(" "), consume: cc.join(" ") };
      const ps = run(pc, c.env, c.external);
      const cs = run(cc, c.env, c.external);
      for (const [op, secs] of [["produce", ps], ["consume", cs]] as const) {
        const rate = count / secs;
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
await admin.close();
await t.close();

const results: BenchResult[] = [];
const targets: Record<string, number | null> = { "confluent-node": 1.5, "c-loop": 0.7, kcat: 0.7, "kafkajs-node": 1.5 };
for (const { size } of SIZES) {
  for (const op of ["produce", "consume"] as const) {
    const w = best.get(`weir|${op}|${size}`)!;
    for (const c of clients.filter((x) => x.name !== "weir")) {
      const b = best.get(`${c.name}|${op}|${size}`);
      if (!b) continue;
      results.push(result(`${op} ${size}B msgs/s vs ${c.name}`, w, "msgs/s", c.label, b, targets[c.name] ?? null));
    }
  }
}
const path = writeResults("kafka", "bun bench/kafka/run.ts", results, {
  setup: { brokers, partitions: PARTITIONS, sizes: SIZES, repeats, best_of: repeats, librdkafka: `${lib.version} (${lib.source})`, machine: `${navigator.hardwareConcurrency} cores, shared` },
  peer_commands: commands,
  notes: [
    "Each client runs as its own process, one after another, against the same single-node broker (KRaft, 127.0.0.1); the best of the repeats is kept.",
    "Produce: from the first send to the last delivery report (acks=all, idempotence on, linger.ms=5) — for kcat, the whole process wall time including start-up.",
    "Consume: from the first message to the N-th, reading back what was produced; consumers use queued.min.messages=1000000 alike (kcat: whole process wall time).",
    "KafkaJS is pure JavaScript and does not use librdkafka; its settings are the closest equivalents (idempotent, acks=-1, batches of 10 000).",
  ],
});
console.log(JSON.stringify({ wrote: path, results }, null, 2));
