// API bench, in one run: ingestion requests/s and p99 of weir's POST /v1/messages against a bare
// Bun.serve endpoint doing the same produce, WebSocket fan-out messages/s to 1 000 subscribers
// against bare Bun pub/sub, and p50/p99 from POST to the WebSocket delivery of that message's final
// result with `weir run topology/support.yaml` as its own process (post-to-ws.ts). Load comes from
// another process on loopback (load.ts, ws-load.ts, e2e-load.ts), bounded in count and time.
//   bun bench/api/run.ts            (WEIR_BENCH_SCALE=0.2 for a quick run)
//   bun bench/api/run.ts --post-to-ws-only [--post-to-ws-modes embedded,kafka]
//     runs only the POST → WebSocket part and merges its rows into the existing api.json
// Writes bench/results/api.json.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Progress } from "../../cli/progress.ts";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";
import { startFanoutBaseline, startIngestBaseline } from "./baseline.ts";
import { startWeirApi } from "./weir.ts";
import { measurePostToWs, POST_TO_WS_ROW_PREFIX, type PostToWsMode } from "./post-to-ws.ts";
import { WeirError } from "../../engine/errors.ts";

const root = resolve(import.meta.dir, "../..");
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const scale = Number(process.env.WEIR_BENCH_SCALE ?? 1);
const REQUESTS = Math.max(1000, Math.round(30_000 * scale));
const CONCURRENCY = 64;
const SUBSCRIBERS = 1000;
const FANOUT_MESSAGES = Math.max(20, Math.round(200 * scale));
const FANOUT_SIZE = 200;
const MAX_SECONDS = 120;
const { values: flags } = parseArgs({ args: process.argv.slice(2), options: { "post-to-ws-only": { type: "boolean" }, "post-to-ws-modes": { type: "string" } } });
const POST_TO_WS_ONLY = !!flags["post-to-ws-only"];
const POST_TO_WS_MODES = String(flags["post-to-ws-modes"] ?? "embedded,kafka").split(",").map((m) => m.trim()).filter(Boolean);
for (const m of POST_TO_WS_MODES) if (m !== "embedded" && m !== "kafka") throw new WeirError("VALIDATION_FAILED", `--post-to-ws-modes: must be embedded and/or kafka, got ${m}`);
const POST_TO_WS_ROUNDS = Math.max(1, Number(process.env.WEIR_BENCH_REPEATS ?? 3));
const POST_TO_WS_SECONDS = Math.max(2, Math.round(10 * Math.min(1, scale)));
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "bench.api", msg, ...f }));

function sh(cmd: string[]) {
  const r = Bun.spawnSync(cmd, { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new WeirError("INTERNAL", `${cmd.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().slice(-2000)}`);
  return r.stdout.toString();
}
/** Runs a load generator process and returns its JSON line; async so the server in this process keeps serving. */
async function load<T>(cmd: string[]): Promise<T> {
  const p = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new WeirError("INTERNAL", `${cmd.join(" ")} failed (${code}): ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}

interface HttpFigures { requests: number; errors: number; rps: number; p50_ms: number; p99_ms: number; seconds: number; statuses: Record<string, number> }
interface WsFigures { subscribers: number; expected: number; delivered: number; msgs_per_s: number; seconds: number }

sh(["bash", "scripts/kafka/broker.sh", "start"]);
const kafka = createKafkaTransport({ brokers });
const admin = kafka.admin();
const progress = new Progress({ label: "api bench", total: (POST_TO_WS_ONLY ? 0 : 4) + 2 * POST_TO_WS_MODES.length, unit: "phases" });
const commands: Record<string, string> = {};
const notes: string[] = [
  "Servers run in this process one after another; each load generator is a separate Bun process on loopback. Both sides get the same requests, concurrency and bounds.",
  `Ingestion: ${REQUESTS} POSTs of a ~250 B SupportMessage, ${CONCURRENCY} in flight over keep-alive connections, after one warm-up request; the baseline parses, validates (compiled TypeBox), produces keyed by conversationId (acks=all, idempotent, linger.ms=5) and answers 202 after the delivery report.`,
  `Fan-out: ${SUBSCRIBERS} WebSocket subscribers in one client process, ${FANOUT_MESSAGES} messages of ~${FANOUT_SIZE} B each, msgs/s = deliveries to all subscribers ÷ time from the trigger to the last delivery. The single client process is likely the bottleneck on 2 cores, for both sides alike.`,
];
const measurements: Record<string, unknown> = {};
const results: BenchResult[] = [];

async function ingest(name: string, url: string, token?: string): Promise<HttpFigures> {
  const cmd = ["bun", "bench/api/load.ts", url, String(REQUESTS), String(CONCURRENCY), String(MAX_SECONDS), ...(token ? [token] : [])];
  commands[`${name} ingestion load`] = cmd.join(" ");
  const f = await load<HttpFigures>(cmd);
  if (f.errors) throw new WeirError("INTERNAL", `${name}: ${f.errors} of ${f.requests} requests failed: ${JSON.stringify(f.statuses)}`);
  log("measured", { side: name, what: "ingestion", rps: Math.round(f.rps), p99_ms: +f.p99_ms.toFixed(2) });
  measurements[`${name} ingestion`] = f;
  return f;
}
async function fanout(name: string, wsUrl: string, triggerUrl: string): Promise<WsFigures> {
  const cmd = ["bun", "bench/api/ws-load.ts", wsUrl, triggerUrl, String(SUBSCRIBERS), String(FANOUT_MESSAGES), String(MAX_SECONDS)];
  commands[`${name} fan-out load`] = cmd.join(" ");
  const f = await load<WsFigures>(cmd);
  if (f.delivered < f.expected) throw new WeirError("INTERNAL", `${name}: only ${f.delivered} of ${f.expected} fan-out deliveries within ${MAX_SECONDS}s`);
  log("measured", { side: name, what: "fan-out", msgsPerSec: Math.round(f.msgs_per_s) });
  measurements[`${name} fan-out`] = f;
  return f;
}

const topic = `bench-api-${crypto.randomUUID().slice(0, 8)}`;
if (!POST_TO_WS_ONLY) await admin.createTopics([{ topic, partitions: 3 }]);
let postToWs: Awaited<ReturnType<typeof measurePostToWs>> | null = null;
try {
  if (!POST_TO_WS_ONLY) {
    // Baseline ingestion.
    const producer = kafka.producer();
    const base = startIngestBaseline(producer, topic);
    const b = await ingest("bun-baseline", base.url).finally(() => base.stop());
    await producer.close();
    progress.tick();

    // weir ingestion.
    const weir = await startWeirApi({ brokers, topic, fanoutMessages: FANOUT_MESSAGES, fanoutSize: FANOUT_SIZE });
    if (weir) {
      const w = await ingest("weir", weir.url, weir.token);
      results.push(result("ingest POST /v1/messages requests/s vs bare Bun.serve", w.rps, "requests/s", `Bun.serve ${Bun.version} + the same produce`, b.rps, 0.7));
      results.push(result("ingest POST /v1/messages p99 vs bare Bun.serve", w.p99_ms, "ms", `Bun.serve ${Bun.version} + the same produce`, b.p99_ms, null, true));
    } else {
      notes.push("weir's API (api/server.ts startServer) is not in the tree yet: only the baseline was measured; no ingestion result rows.");
    }
    progress.tick();

    // Baseline fan-out.
    const fb = startFanoutBaseline(FANOUT_MESSAGES, FANOUT_SIZE);
    const bf = await fanout("bun-baseline", fb.wsUrl, fb.triggerUrl).finally(() => fb.stop());
    progress.tick();

    // weir fan-out, when the API exposes a subscription and a way to drive it.
    if (weir?.wsUrl && weir.triggerUrl) {
      const wf = await fanout("weir", weir.wsUrl, weir.triggerUrl).finally(() => weir.stop());
      results.push(result(`fan-out msgs/s to ${SUBSCRIBERS} WebSocket subscribers vs bare Bun pub/sub`, wf.msgs_per_s, "msgs/s", `Bun.serve ${Bun.version} pub/sub`, bf.msgs_per_s, 0.8));
    } else {
      await weir?.stop();
      notes.push("weir's WebSocket fan-out is not measured yet (the API exposes no subscription endpoint to bench/api/weir.ts): only the Bun pub/sub baseline was measured.");
    }
    progress.tick();
  }

  // POST → WebSocket final, with the main job as a `weir run` process.
  postToWs = await measurePostToWs({
    modes: POST_TO_WS_MODES as PostToWsMode[],
    brokers,
    admin,
    rounds: POST_TO_WS_ROUNDS,
    seconds: POST_TO_WS_SECONDS,
    floodSeconds: 4,
    floodConcurrency: CONCURRENCY,
    waitSeconds: 20,
    load,
    log,
    tick: () => progress.tick(),
  });
} finally {
  progress.finish();
  if (!POST_TO_WS_ONLY) await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
  await kafka.close();
}

const envPrefix = ["WEIR_BENCH_SCALE", "WEIR_BENCH_REPEATS", "KAFKA_BROKERS"].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join("");
const command = `${envPrefix}bun ${process.argv.slice(1).map((a) => a.replace(root + "/", "")).join(" ")}`;
const date = new Date().toISOString();
const isPostToWsNote = (n: string) => n.startsWith("POST→WS");
const isPostToWsKey = (k: string) => k.startsWith("POST→WS");
let file: { results: BenchResult[]; setup: Record<string, unknown>; measurements: Record<string, unknown>; load_commands: Record<string, string>; notes: string[]; parts: Record<string, { command: string; date: string }> };
if (POST_TO_WS_ONLY) {
  // Keep the other rows of the last full run; replace only this part's rows, figures and notes.
  const existing = resolve(root, "bench/results/api.json");
  const prev = existsSync(existing) ? JSON.parse(readFileSync(existing, "utf8")) : { results: [], notes: [] };
  const keep = <T>(o: Record<string, T> | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !isPostToWsKey(k)));
  const prevCommands = Object.fromEntries(Object.entries((prev.load_commands ?? {}) as Record<string, string>).filter(([k]) => !/^(weir|bare Bun) \((embedded|kafka)/.test(k)));
  file = {
    results: [...(prev.results as BenchResult[]).filter((r) => !r.name.startsWith(POST_TO_WS_ROW_PREFIX)), ...postToWs!.results],
    setup: { ...prev.setup, post_to_ws: postToWs!.setup },
    measurements: { ...keep(prev.measurements), ...postToWs!.measurements },
    load_commands: { ...prevCommands, ...postToWs!.commands },
    notes: [...(prev.notes as string[]).filter((n) => !isPostToWsNote(n)), ...postToWs!.notes, "POST→WS: written by --post-to-ws-only, which replaced only the rows, measurements, commands and notes of this part; the other rows are from the run named in parts."],
    parts: { ...(prev.parts ?? { "ingestion and fan-out": { command: prev.command, date: prev.date } }), "POST → WebSocket final": { command, date } },
  };
} else {
  file = {
    results: [...results, ...postToWs!.results],
    setup: { brokers, requests: REQUESTS, concurrency: CONCURRENCY, subscribers: SUBSCRIBERS, fanout_messages: FANOUT_MESSAGES, fanout_size_bytes: FANOUT_SIZE, machine: `${navigator.hardwareConcurrency} cores, shared`, post_to_ws: postToWs!.setup },
    measurements: { ...measurements, ...postToWs!.measurements },
    load_commands: { ...commands, ...postToWs!.commands },
    notes: [...notes, ...postToWs!.notes],
    parts: { "ingestion and fan-out": { command, date }, "POST → WebSocket final": { command, date } },
  };
}
const path = writeResults("api", command, file.results, { setup: file.setup, measurements: file.measurements, load_commands: file.load_commands, notes: file.notes, parts: file.parts });
console.log(JSON.stringify({ wrote: path, results: file.results }, null, 2));
