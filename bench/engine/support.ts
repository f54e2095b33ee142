// The main job under load: topology/support.yaml (both stages in one process, offline agents) on
// the real broker. Throughput is compared with the same five agents called in a plain loop with no
// Kafka and no engine (the agents' own ceiling); end-to-end latency at a steady offered rate is
// compared with a raw consume → produce relay at the same rate (the Kafka floor). Run by run.ts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Admin, Transport } from "../../engine/kafka/types.ts";
import { StagedPipeline } from "../../engine/runtime/staged-pipeline.ts";
import { systemClock } from "../../engine/clock.ts";
import { logger } from "../../engine/log.ts";
import { AGENTS } from "../../agents/index.ts";
import { registerBuiltIns } from "../../agents/register.ts";
import { waitUntil } from "../../engine/wait.ts";
import { parseTopology } from "../../topology/load.ts";

// support.yaml's source names `schema: SupportMessage`: this bench is its own composition root.
registerBuiltIns();

const TEXTS: string[] = readFileSync(resolve(import.meta.dir, "../../test/fixtures/eval/support-messages.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l).text);
const CONVERSATIONS = 500;
const message = (i: number, run: string, sentAt = 0) => ({ id: `${run}-${i}`, conversationId: `c${i % CONVERSATIONS}`, tenant: "bench", text: TEXTS[i % TEXTS.length], ...(sentAt ? { timestamp: sentAt } : {}) });
const dec = new TextDecoder();

function supportTopology(prefix: string) {
  const yaml = readFileSync(resolve(import.meta.dir, "../../topology/support.yaml"), "utf8").replaceAll("support.", `${prefix}.`).replace("groupId: weir-support", `groupId: ${prefix}`);
  return parseTopology(yaml, "support.yaml");
}

export interface SupportFigures {
  msgsPerSec: number;
  ceilingMsgsPerSec: number;
  p50: number;
  p99: number;
  floorP50: number;
  floorP99: number;
  rate: number;
}

/** The agents of support.yaml called directly, in topology order, with per-conversation state. */
async function agentCeiling(n: number): Promise<number> {
  const order = ["pii", "sentiment", "insights", "summary", "validator"] as const;
  const state = new Map<string, unknown>();
  const log = logger("bench.engine");
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const msg = message(i, "ceiling");
    const outputs: Record<string, unknown> = {};
    for (const name of order) {
      const def = AGENTS[name];
      const key = `${name}\u0000${msg.conversationId}`;
      const input = name === "pii" ? msg : { ...msg, text: (outputs.pii as { redacted: string }).redacted };
      const r = await def.offline(input as never, { key: msg.conversationId, tenant: msg.tenant, state: (state.get(key) ?? def.initialState()) as never, clock: systemClock, log, attempt: 1, signal: new AbortController().signal, upstream: outputs }, {} as never);
      if (r.state !== undefined) state.set(key, r.state);
      outputs[name] = r.output;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Produces `count` messages at `rate`/s stamped with their send time; `until` resolves with per-message latencies. */
async function steady(t: Transport, topic: string, run: string, rate: number, count: number) {
  const p = t.producer({ config: { "linger.ms": 1 } });
  const tick = 20;
  const perTick = Math.max(1, Math.round((rate * tick) / 1000));
  for (let i = 0; i < count; i += perTick) {
    const now = Date.now();
    await p.send(Array.from({ length: Math.min(perTick, count - i) }, (_, k) => ({ topic, key: `c${(i + k) % CONVERSATIONS}`, value: JSON.stringify(message(i + k, run, now)) })));
    await Bun.sleep(Math.max(0, tick - (Date.now() - now)));
  }
  await p.close();
}

/** Reads `topic` from its current end by manual assignment (no group join delay in the figures). */
async function collectLatencies(t: Transport, topic: string, group: string, count: number, sentAt: (value: any) => number | undefined, timeoutMs = 60_000): Promise<number[]> {
  const c = t.consumer({ groupId: group });
  // A topic created a moment ago may not have a leader yet: retriable, so retry for a while.
  const end = async (partition: number) => {
    for (let i = 0; ; i++) {
      try {
        return { topic, partition, offset: (await c.watermarks(topic, partition)).high };
      } catch (e) {
        if (i >= 40 || !(e as { retriable?: boolean }).retriable) throw e;
        await Bun.sleep(250);
      }
    }
  };
  const ends = await Promise.all(Array.from({ length: 6 }, (_, partition) => end(partition)));
  c.assign(ends);
  const seen = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (seen.size < count && Date.now() < deadline) {
    for (const m of await c.consume(1000, 50)) {
      const v = JSON.parse(dec.decode(m.value!));
      const id = v.messageId ?? v.id;
      const at = sentAt(v);
      if (at && !seen.has(id)) seen.set(id, Date.now() - at);
    }
  }
  await c.close();
  return [...seen.values()].sort((a, b) => a - b);
}

/** Throughput: a pre-loaded topic drained by both stages in this process. Leaves the job running for the caller. */
export async function supportThroughput(t: Transport, admin: Admin, n: number, run: string) {
  const prefix = `bench-support-${run}`;
  const topology = supportTopology(prefix);
  const src = `${prefix}.messages`;
  await admin.createTopics([{ topic: src, partitions: 6 }]);
  const p = t.producer();
  for (let i = 0; i < n; i += 10_000) await p.send(Array.from({ length: Math.min(10_000, n - i) }, (_, k) => ({ topic: src, key: `c${(i + k) % CONVERSATIONS}`, value: JSON.stringify(message(i + k, run)) })));
  await p.close();
  const staged = new StagedPipeline({ topology, transport: t, agents: AGENTS, commitIntervalMs: 500 });
  await staged.start();
  const [fast, llm] = staged.pipelines.map((x) => x.pipeline);
  // Each message is done in the fast stage twice (itself, and its summary coming back) and once in llm.
  await waitUntil(() => fast.stats.done >= 2 * n && llm.stats.done >= n);
  const msgsPerSec = n / ((Math.max(fast.timing.lastDoneAt, llm.timing.lastDoneAt) - fast.timing.firstConsumedAt) / 1000);
  return { msgsPerSec, staged, prefix, src };
}

/**
 * Exactly-once latency: the support topology with `delivery: exactly-once` (commits every 100 ms),
 * send time to the first final result read by a read_committed reader (librdkafka's default), at a
 * steady rate. Under exactly-once a result is visible only once its transaction commits, and a
 * message crosses four topics, so each crossing waits for a commit of the stage that wrote it.
 */
export async function eosLatency(t: Transport, admin: Admin, run: string, rate = 500, seconds = 10): Promise<{ p50: number; p99: number }> {
  const prefix = `bench-eos-${run}`;
  const topology = { ...supportTopology(prefix), delivery: "exactly-once" as const };
  const src = `${prefix}.messages`;
  await admin.createTopics([{ topic: src, partitions: 6 }]);
  const staged = new StagedPipeline({ topology, transport: t, agents: AGENTS });
  await staged.start();
  const count = rate * seconds;
  const latRun = `${run}-eos`;
  const collecting = collectLatencies(t, `${prefix}.insights`, `${prefix}-lat-reader`, count, (v) => (v.status === "final" && String(v.messageId).startsWith(latRun) ? v.message?.timestamp : undefined));
  await Bun.sleep(1000);
  await steady(t, src, latRun, rate, count);
  const lat = await collecting;
  await staged.stop();
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/**
 * Throughput is the best of `repeats` rounds, each on fresh topics, with the agents' ceiling measured
 * in the same rounds (one 8 s round swung by ±25 % on this shared 2-core machine); latency is
 * measured once, through the last round's job.
 */
export async function supportBench(t: Transport, admin: Admin, n: number, run: string, rate = 500, latencySeconds = 10, repeats = 3, onRound?: () => void): Promise<SupportFigures> {
  let msgsPerSec = 0;
  let ceilingMsgsPerSec = 0;
  let job!: Awaited<ReturnType<typeof supportThroughput>>;
  for (let r = 0; r < repeats; r++) {
    if (job) await job.staged.stop();
    job = await supportThroughput(t, admin, n, `${run}r${r}`);
    msgsPerSec = Math.max(msgsPerSec, job.msgsPerSec);
    ceilingMsgsPerSec = Math.max(ceilingMsgsPerSec, await agentCeiling(Math.min(n, 20_000)));
    onRound?.();
  }
  const { staged, prefix, src } = job;

  // Latency: a steady rate through the running job, send time to the first final result.
  const count = rate * latencySeconds;
  const latRun = `${run}-lat`;
  const collecting = collectLatencies(t, `${prefix}.insights`, `${prefix}-lat-reader`, count, (v) => (v.status === "final" && String(v.messageId).startsWith(latRun) ? v.message?.timestamp : undefined));
  await Bun.sleep(1000);
  await steady(t, src, latRun, rate, count);
  const lat = await collecting;
  await staged.stop();

  // The floor: a relay that consumes and re-produces each record at once, measured the same way.
  const floorIn = `bench-floor-${run}.in`, floorOut = `bench-floor-${run}.out`;
  await admin.createTopics([{ topic: floorIn, partitions: 6 }, { topic: floorOut, partitions: 6 }]);
  const relayConsumer = t.consumer({ groupId: `floor-${run}`, config: { "auto.offset.reset": "earliest" } });
  const relayProducer = t.producer({ config: { "linger.ms": 1 } });
  relayConsumer.subscribe([floorIn]);
  let relaying = true;
  const relay = (async () => {
    while (relaying) {
      const batch = await relayConsumer.consume(1000, 50);
      if (batch.length) await relayProducer.send(batch.map((m) => ({ topic: floorOut, key: m.key, value: m.value })));
    }
  })();
  const floorCollect = collectLatencies(t, floorOut, `floor-reader-${run}`, count, (v) => v.timestamp);
  await Bun.sleep(1000);
  await steady(t, floorIn, `${run}-floor`, rate, count);
  const floor = await floorCollect;
  relaying = false;
  await relay;
  await relayConsumer.close();
  await relayProducer.close();

  return {
    msgsPerSec,
    ceilingMsgsPerSec,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    floorP50: percentile(floor, 50),
    floorP99: percentile(floor, 99),
    rate,
  };
}
