// Engine overhead: the passthrough topology (consume → map → produce) run by weir's runtime, against
// a raw consume-and-produce loop on the same client, broker and data, in one run.
//   bun bench/engine/passthrough.ts      (KAFKA_BROKERS, default 127.0.0.1:9092; WEIR_BENCH_SCALE)
// Writes bench/results/engine.json; target ratio ≥ 0.8.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Progress } from "../../cli/progress.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import { Pipeline } from "../../engine/runtime/pipeline.ts";
import { parseTopology } from "../../topology/load.ts";
import { result, writeResults } from "../lib/results.ts";

const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const N = Math.round(200_000 * Number(process.env.WEIR_BENCH_SCALE ?? 1));
const run = crypto.randomUUID().slice(0, 6);
const t = createKafkaTransport({ brokers });
const admin = t.admin();
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ level: "info", module: "bench.engine", msg, ...f }));
Bun.spawnSync(["bash", resolve(import.meta.dir, "../../scripts/kafka/broker.sh"), "start"]);

async function seed(topic: string) {
  await admin.createTopics([{ topic, partitions: 3 }]);
  const p = t.producer();
  for (let i = 0; i < N; i += 10_000)
    await p.send(Array.from({ length: Math.min(10_000, N - i) }, (_, k) => ({ topic, key: `k${(i + k) % 1000}`, value: JSON.stringify({ id: `m-${i + k}`, conversationId: `c-${(i + k) % 1000}`, text: "the quick brown fox jumps over the lazy dog, again and again" }) })));
  await p.close();
}

async function outputCount(topic: string) {
  const c = t.consumer({ groupId: `wm-${run}` });
  let n = 0;
  for (const p of [0, 1, 2]) n += (await c.watermarks(topic, p)).high;
  await c.close();
  return n;
}

/** Baseline: a hand-written loop with the same client: consume a batch, map, produce, commit. */
async function raw(): Promise<number> {
  const src = `bench-raw-${run}.in`, dst = `bench-raw-${run}.out`;
  await seed(src);
  await admin.createTopics([{ topic: dst, partitions: 3 }]);
  const c = t.consumer({ groupId: `raw-${run}` });
  const p = t.producer();
  c.subscribe([src]);
  let moved = 0, t0 = 0;
  const dec = new TextDecoder();
  while (moved < N) {
    const batch = await c.consume(5000, 500);
    if (!batch.length) continue;
    if (!t0) t0 = performance.now();
    const out = batch.map((m) => ({ topic: dst, key: m.key, value: JSON.stringify({ ...JSON.parse(dec.decode(m.value!)), pipeline: "passthrough" }) }));
    const reports = await p.send(out);
    if (reports.some((r) => r.error)) throw new Error("raw loop: produce failed");
    const last = new Map<number, number>();
    for (const m of batch) last.set(m.partition, Math.max(last.get(m.partition) ?? -1, m.offset));
    await c.commit([...last].map(([partition, o]) => ({ topic: src, partition, offset: o + 1 })));
    moved += batch.length;
  }
  const secs = (performance.now() - t0) / 1000;
  await c.close();
  await p.close();
  return N / secs;
}

async function weir(): Promise<number> {
  const src = `bench-weir-${run}.in`, dst = `bench-weir-${run}.out`;
  await seed(src);
  const text = readFileSync(resolve(import.meta.dir, "../../topology/examples/passthrough.yaml"), "utf8").replaceAll("bench.in", src).replaceAll("bench.out", dst).replaceAll("weir-passthrough", `weir-${run}`);
  const topology = parseTopology(text, "passthrough.yaml");
  const pipeline = new Pipeline({ topology, transport: t, agents: {}, commitIntervalMs: 500 });
  await pipeline.start();
  let t0 = 0;
  while (pipeline.stats.done < N) {
    if (!t0 && pipeline.stats.consumed > 0) t0 = performance.now();
    await Bun.sleep(2);
  }
  const secs = (performance.now() - t0) / 1000;
  await pipeline.stop();
  const written = await outputCount(dst);
  if (written < N) throw new Error(`weir wrote ${written}/${N}`);
  return N / secs;
}

const progress = new Progress({ label: "engine bench", total: 4, unit: "runs" });
const rates = { raw: 0, weir: 0 };
for (let r = 0; r < 2; r++) {
  rates.raw = Math.max(rates.raw, await raw());
  progress.tick();
  rates.weir = Math.max(rates.weir, await weir());
  progress.tick();
  log("measured", { round: r + 1, raw: Math.round(rates.raw), weir: Math.round(rates.weir) });
}
progress.finish();
await admin.close();
await t.close();
const path = writeResults("engine", "bun bench/engine/passthrough.ts", [result("passthrough msgs/s (consume → map → produce, at-least-once)", rates.weir, "msgs/s", "raw consume-map-produce loop on weir's own client", rates.raw, 0.8)], {
  setup: { brokers, messages: N, partitions: 3, best_of: 2 },
  notes: ["Both sides read the same kind of pre-loaded topic and write JSON to an output topic; weir commits every 500 ms, the raw loop after every batch.", "weir is timed from its first consumed record until every record is done (written and acknowledged)."],
});
console.log(readFileSync(path, "utf8"));
