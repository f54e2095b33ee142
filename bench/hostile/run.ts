// Hostile-body bench: no body up to the size limit may stall the API. Sends each hostile shape
// (deep nesting, wide objects, many keys, long strings, deep metadata, and the heaviest bodies
// that are still valid) to the real API in a separate process, one request at a time, and records
// per shape the worst answer time and the server's RSS before and after.
//   bun bench/hostile/run.ts            (WEIR_BENCH_SCALE=0.2 for a quick run)
// Targets: every answer < 50 ms; RSS after a shape within 20 % of RSS before it.
// Writes bench/results/hostile.json.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { WeirError } from "../../engine/errors.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";

const root = resolve(import.meta.dir, "../..");
const scale = Number(process.env.WEIR_BENCH_SCALE ?? 1);
const REPEAT = Math.max(5, Math.round(30 * scale));
const TARGET_MS = 50;
const RSS_SLACK = 0.2;
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "bench.hostile", msg, ...f }));

const server = Bun.spawn(["bun", "bench/hostile/server.ts"], { cwd: root, stdout: "pipe", stderr: "inherit", env: { ...process.env, WEIR_LOG_LEVEL: "error" } });
const reader = server.stdout.getReader();
let line = "";
while (!line.includes("\n")) {
  const { done, value } = await reader.read();
  if (done) throw new WeirError("INTERNAL", "bench server exited before listening");
  line += new TextDecoder().decode(value);
}
const { port, pid, maxBodyBytes } = JSON.parse(line) as { port: number; pid: number; maxBodyBytes: number };
const base = `http://127.0.0.1:${port}`;
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

// Every shape fits the size limit, so it reaches the JSON checks.
const LIMIT = maxBodyBytes - 16;
const fill = (unit: string, open: string, close: string) => open + unit.repeat(Math.floor((LIMIT - open.length - close.length) / unit.length)) + close;
const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepMetadata = (depth: number) => `{"text":"hi","metadata":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
const wideMeta = (keys: number) => JSON.stringify({ text: "hi", metadata: Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])) });
const batchOf = (n: number, text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ messages: Array.from({ length: n }, (_, i) => ({ id: `m-${i}`, conversationId: `c-${i % 50}`, text, ...extra })) });

const shapes: Array<{ name: string; path: string; body: string; expect: number }> = [
  { name: "nested arrays, 20 000 deep (40 KB)", path: "/v1/messages", body: nestedArrays(20_000), expect: 400 },
  { name: "nested arrays to the size limit", path: "/v1/messages", body: nestedArrays(Math.floor(LIMIT / 2)), expect: 400 },
  { name: "nested objects to the size limit", path: "/v1/messages/batch", body: '{"a":'.repeat(Math.floor(LIMIT / 6)) + "1" + "}".repeat(Math.floor(LIMIT / 6)), expect: 400 },
  { name: "deep metadata, 10 000 levels", path: "/v1/messages", body: deepMetadata(10_000), expect: 400 },
  { name: "deep metadata, 30 levels (allowed)", path: "/v1/messages", body: deepMetadata(29), expect: 202 },
  { name: "wide object to the size limit", path: "/v1/messages", body: fill('"k":1,', "{", '"z":1}'), expect: 400 },
  { name: "wide array to the size limit", path: "/v1/messages/batch", body: `{"messages":${fill("1,", "[", "1]")}}`, expect: 400 },
  { name: "metadata with 1 000 keys (allowed)", path: "/v1/messages", body: wideMeta(999), expect: 202 },
  { name: "many keys: batch of 500 × 99 metadata keys", path: "/v1/messages/batch", body: batchOf(500, "hi", { metadata: Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`k${i}`, i])) }), expect: 400 },
  { name: "long string to the size limit", path: "/v1/messages", body: `{"text":"${"x".repeat(LIMIT - 12)}"}`, expect: 400 },
  { name: "long escaped text, 100 000 chars (allowed)", path: "/v1/messages", body: `{"text":"${"\\u00e9".repeat(100_000)}"}`, expect: 202 },
  { name: "invalid JSON at the last byte", path: "/v1/messages/batch", body: batchOf(500, "x".repeat(1800)).slice(0, -1) + "!", expect: 400 },
  { name: "batch of 500 valid messages near the limit", path: "/v1/messages/batch", body: batchOf(500, "my card was charged twice ".repeat(75)), expect: 202 },
  { name: "batch of 500 invalid messages near the limit", path: "/v1/messages/batch", body: batchOf(500, "x".repeat(1700), { author: "robot", extra: 1 }), expect: 207 },
];

async function send(path: string, body: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path, { method: "POST", headers: { authorization: "Bearer bench-key", "content-type": "application/json" }, body });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

/** Waits (bounded) for RSS to settle after a shape: until it is within the slack or stops falling. */
async function settledRss(before: number): Promise<number> {
  let last = rssMb();
  for (let i = 0; i < 40 && last > before * (1 + RSS_SLACK); i++) {
    await Bun.sleep(50);
    const now = rssMb();
    if (now >= last) return now;
    last = now;
  }
  return last;
}

const results: BenchResult[] = [];
const figures: Record<string, unknown> = {};
const rssStart = rssMb();
let rssEnd = rssStart;
try {
  // Warm-up: every code path once, so JIT compilation is not counted as the first shape's cost.
  for (const s of shapes) await send(s.path, s.body);
  for (const s of shapes) {
    if (s.body.length > maxBodyBytes) throw new WeirError("INTERNAL", `shape ${s.name} is ${s.body.length} bytes, over the limit`);
    const before = rssMb();
    const times: number[] = [];
    const statuses = new Set<number>();
    for (let i = 0; i < REPEAT; i++) {
      const r = await send(s.path, s.body);
      times.push(r.ms);
      statuses.add(r.status);
    }
    if (!statuses.has(s.expect) || statuses.size !== 1) throw new WeirError("INTERNAL", `${s.name}: answered ${[...statuses].join(",")}, expected ${s.expect}`);
    const after = await settledRss(before);
    const worst = Math.max(...times);
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    log("measured", { shape: s.name, bytes: s.body.length, status: s.expect, worstMs: +worst.toFixed(2), medianMs: +median.toFixed(2), rssBeforeMb: +before.toFixed(1), rssAfterMb: +after.toFixed(1) });
    figures[s.name] = { bytes: s.body.length, status: s.expect, requests: REPEAT, worst_ms: worst, median_ms: median, rss_before_mb: before, rss_after_mb: after };
    results.push(result(`${s.name}: worst answer`, worst, "ms", `target ${TARGET_MS} ms`, TARGET_MS, 1, true));
    results.push(result(`${s.name}: server RSS after`, after, "MB", "server RSS before", before, 1 / (1 + RSS_SLACK), true));
  }
  rssEnd = rssMb();
} finally {
  server.kill("SIGTERM");
  await server.exited;
}

const path = writeResults("hostile", "bun bench/hostile/run.ts", results, {
  notes: [
    `Each shape is sent ${REPEAT} times, one request at a time, after one warm-up pass over all shapes, from this process to the API in its own process on loopback. Answer time is from sending the request to the last byte of the answer.`,
    `Bodies are at most WEIR_MAX_BODY_BYTES (${maxBodyBytes}); the API rejects larger ones from Content-Length. The server's producer acknowledges and discards, so 202 answers measure the API, not Kafka.`,
    `RSS is the server's VmRSS before a shape's first request and after its last (waiting up to 2 s for it to fall); target: after ≤ before × ${1 + RSS_SLACK}. ratio = target ÷ value for times, before ÷ after for RSS; pass = ratio ≥ target column.`,
  ],
  shapes: figures,
  // Not a target: the heap grows to fit the largest bodies and the allocator keeps that memory.
  rss_whole_run_mb: { start: rssStart, end: rssEnd },
});
log("wrote", { path, pass: results.every((r) => r.pass) });
