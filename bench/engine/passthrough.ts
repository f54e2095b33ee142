// Engine overhead: the passthrough topology (consume → map → produce) run by weir's runtime, against
// a raw consume-and-produce loop on the same client, broker and data. Run by bench/engine/run.ts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Admin, Transport } from "../../engine/kafka/types.ts";
import { Pipeline } from "../../engine/runtime/pipeline.ts";
import { parseTopology } from "../../topology/load.ts";
import { waitUntil } from "../../engine/wait.ts";

export interface PassthroughBench {
  raw(): Promise<number>;
  weir(): Promise<number>;
}

/** Both sides of the passthrough bench over `n` records of one run (`run` makes topic names unique). */
export function passthroughBench(t: Transport, admin: Admin, N: number, run: string): PassthroughBench {
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
    await waitUntil(() => pipeline.stats.done >= N);
    const secs = (pipeline.timing.lastDoneAt - pipeline.timing.firstConsumedAt) / 1000;
    await pipeline.stop();
    const written = await outputCount(dst);
    if (written < N) throw new Error(`weir wrote ${written}/${N}`);
    return N / secs;
  }

  return { raw, weir };
}
