// Throughput part of the support bench on a chosen transport, for profiling:
//   bun --cpu-prof --cpu-prof-dir=/tmp/prof bench/engine/profile-support.ts [memory|kafka] [N]
import { createMemoryTransport } from "../../engine/transport/memory.ts";
import { supportThroughput } from "./support.ts";

const kind = process.argv[2] ?? "memory";
const n = Number(process.argv[3] ?? 20_000);
const t = kind === "memory" ? createMemoryTransport() : (await import("../../engine/kafka/index.ts")).createKafkaTransport({ brokers: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092" });
const { msgsPerSec, staged } = await supportThroughput(t as never, (t as any).admin(), n, `prof${Date.now()}`);
console.log(JSON.stringify({ kind, n, msgsPerSec: Math.round(msgsPerSec), holds: staged.pipelines.map((p) => p.pipeline.backpressured), results: staged.pipelines[0].pipeline.stats.results }));
await staged.stop();
await (t as any).close();
process.exit(0);
