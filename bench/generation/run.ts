// bench/generation: the content-generation job (topology/generation.yaml) in one process on the
// in-process transport, as `weir run` embeds it.
//   1. samples/s with the offline generator: jobs of product reviews run through the engine (task
//      loop, exactly-once commits, job store), beside the bare generator agent called in a loop
//      with no engine — the ratio is what the engine keeps of the agent's own speed.
//   2. rate use: the same job through the LLM gateway against a local OpenAI-format stand-in with
//      200 ms latency and a limit of 50 requests/s (429 past it). The result is the fraction of the
//      allowed rate weir uses (answered requests per second ÷ 50; target 0.9) and the 429s it
//      provokes (target: close to none). The gateway is told the limit (WEIR_LLM_LIMITS rpm 3000,
//      burst 10, under the provider's own burst of 50 so jitter never empties it): flow control counted in requests is what keeps the 429s away.
// Writes bench/results/generation.json. `WEIR_LOG_LEVEL=error bun bench/generation/run.ts [--scale 0.5] [--rounds 3]`.
import { parseArgs } from "node:util";
import { AGENTS, SOURCE_SCHEMAS } from "../../agents/index.ts";
import { generator } from "../../agents/generation/generator.ts";
import { resolveJob, type GenerationTask } from "../../agents/generation/job-request.ts";
import { templates } from "../../agents/generation/templates.ts";
import { createLlmClient } from "../../agents/llm/index.ts";
import { OpenAiProvider } from "../../agents/llm/providers/openai.ts";
import { systemClock } from "../../engine/clock.ts";
import type { LlmClient } from "../../engine/contracts/llm.ts";
import { logger } from "../../engine/log.ts";
import { StagedPipeline } from "../../engine/runtime/staged-pipeline.ts";
import { registerSchemas } from "../../engine/schemas/registry.ts";
import { JobSink } from "../../engine/sinks/job-sink.ts";
import { createMemoryTransport, MemoryBroker } from "../../engine/transport/memory.ts";
import { MemoryJobStore } from "../../persistence/memory-job-store.ts";
import { loadTopology } from "../../topology/load.ts";
import { fakeOpenAi } from "../../test/fakes/openai-generation.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";

const { values } = parseArgs({ options: { scale: { type: "string", default: "1" }, rounds: { type: "string", default: "3" } } });
const scale = Number(values.scale);
const rounds = Number(values.rounds);
registerSchemas(SOURCE_SCHEMAS);
const topology = loadTopology(new URL("../../topology/generation.yaml", import.meta.url).pathname);
const request = { template: "product-reviews", variables: { product: "mobile banking app" } };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });

/** Runs `jobs` jobs of `count` samples through the engine; returns accepted samples and seconds. */
async function engineRun(jobs: number, count: number, batchSize: number, llm?: LlmClient) {
  const transport = createMemoryTransport(new MemoryBroker());
  const store = new MemoryJobStore();
  const pipeline = new StagedPipeline({ topology, transport, agents: AGENTS, sinks: { jobs: new JobSink(store, "generator", "jobs") }, llm });
  await pipeline.start();
  const producer = transport.producer();
  const { job } = resolveJob({ ...request, count, batchSize }, templates());
  const ids = Array.from({ length: jobs }, () => crypto.randomUUID());
  const t0 = performance.now();
  for (const id of ids) {
    await store.createJob({ id, tenant: "bench", template: job!.template, templateVersion: job!.templateVersion, status: "queued", request: {}, progress: { done: 0, total: count, rejectedValidation: 0, rejectedQuality: 0, attempts: 0, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }, rejections: {}, batch: -1 });
    const task: GenerationTask = { id, jobId: id, tenant: "bench", kind: "start", batch: 0, job };
    await producer.produce({ topic: topology.sources[0].topic, key: id, value: JSON.stringify(task) });
  }
  let samples = 0;
  for (;;) {
    const rows = await Promise.all(ids.map((id) => store.job("bench", id)));
    if (rows.every((r) => r && r.status !== "queued" && r.status !== "running")) {
      samples = rows.reduce((s, r) => s + r!.progress.done, 0);
      if (rows.some((r) => r!.status !== "succeeded")) throw new Error(`a bench job did not succeed: ${JSON.stringify(rows.find((r) => r!.status !== "succeeded"))}`);
      break;
    }
    await Bun.sleep(5);
  }
  const seconds = (performance.now() - t0) / 1000;
  await pipeline.stop();
  await producer.close();
  await transport.close();
  return { samples, seconds };
}

/** The generator agent alone, task after task in a loop: no topics, no commits, no store. */
async function bareRun(jobs: number, count: number, batchSize: number) {
  const { job } = resolveJob({ ...request, count, batchSize }, templates());
  const log = logger("bench");
  const t0 = performance.now();
  let samples = 0;
  for (let j = 0; j < jobs; j++) {
    const id = crypto.randomUUID();
    let state = generator.initialState();
    let task: GenerationTask = { id, jobId: id, tenant: "bench", kind: "start", batch: 0, job };
    while (task.kind !== "done") {
      const r = (await generator.offline(task as never, { key: id, tenant: "bench", state, clock: systemClock, log, attempt: 1, signal: new AbortController().signal } as never, {})) as never as { output: { samples: unknown[] }; state: typeof state; record: GenerationTask };
      samples += r.output.samples.length;
      state = r.state;
      task = r.record;
    }
  }
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

const results: BenchResult[] = [];
const extra: Record<string, unknown> = {};

// 1. Offline samples/s, alternating rounds, medians.
{
  const jobs = Math.max(1, Math.round(10 * scale));
  const count = 200;
  const weir: number[] = [];
  const bare: number[] = [];
  await engineRun(2, 50, 10); // warm-up: module loading, JIT
  for (let r = 0; r < rounds; r++) {
    const e = await engineRun(jobs, count, 10);
    weir.push(e.samples / e.seconds);
    const b = await bareRun(jobs, count, 10);
    bare.push(b.samples / b.seconds);
  }
  results.push(result("offline samples/s (10 jobs × 200, batches of 10, exactly-once, embedded)", median(weir), "samples/s", "the generator agent in a bare loop (no engine)", median(bare), null));
  extra.offline = { jobs, count, rounds, weir: spread(weir), bare: spread(bare) };
}

// 2. Rate use against a 50 requests/s provider with 200 ms latency.
{
  const LIMIT = 50;
  const uses: number[] = [];
  const provoked: number[] = [];
  const runs: Array<Record<string, unknown>> = [];
  for (let r = 0; r < Math.max(1, Math.min(rounds, 2)); r++) {
    const server = fakeOpenAi({ ...request, latencyMs: 200, limitPerSecond: LIMIT, seed: `bench-${r}` });
    const llm = createLlmClient({
      env: { WEIR_LLM_MODELS: JSON.stringify([{ provider: "openai-compatible", model: "local", input: 0, output: 0, tier: 1 }]) },
      providers: [new OpenAiProvider({ apiKey: "not-needed", baseURL: server.url, mode: "json_object" })],
      limits: { "openai-compatible": { rpm: LIMIT * 60, burst: LIMIT / 5 } },
    });
    const jobs = 16;
    const count = Math.max(20, Math.round(40 * scale));
    const e = await engineRun(jobs, count, 10, llm);
    server.stop();
    const s = server.seen;
    // Steady state: from one second after the first request (the burst allowance is spent by
    // then) to the last one admitted; admitted requests in that window per second ÷ the limit.
    const from = s.firstAt + 1000;
    const to = server.admittedAt.at(-1)!;
    const answered = server.admittedAt.filter((t) => t >= from).length;
    const seconds = (to - from) / 1000;
    const use = answered / seconds / LIMIT;
    uses.push(use);
    provoked.push(s.overLimit);
    runs.push({ jobs, count, samples: e.samples, requests: s.requests, answered, overLimit429: s.overLimit, seconds: Math.round(seconds * 100) / 100, use: Math.round(use * 1000) / 1000 });
  }
  results.push(result("rate use vs a 50 req/s limit, 200 ms latency (answered req/s ÷ 50)", median(uses), "fraction", "the provider's allowed rate", 1, 0.9));
  const n429 = median(provoked);
  results.push({ name: "429s provoked past the 50 req/s limit (per run)", value: n429, unit: "responses", baseline: "none", baseline_value: 0, ratio: n429 === 0 ? 1 : Math.round((1 / (1 + n429)) * 1000) / 1000, target: 0.2, pass: n429 <= 4 });
  extra.rate = runs;
}

extra.machine = "2 cores shared with several engineers' builds and tests (loaded); numbers are indicative";
const path = writeResults("generation", `WEIR_LOG_LEVEL=error bun bench/generation/run.ts --scale ${scale} --rounds ${rounds}`, results, extra);
console.log(JSON.stringify(results, null, 2));
console.log(`wrote ${path}`);
process.exit(0);
