// Soak: `weir run topology/support.yaml` on its embedded defaults (in-process broker, in-memory
// insight store) under steady ingestion for a long while, sampling the process's RSS. Memory must
// plateau: every embedded structure is bounded in bytes or records (docs/operations.md), so after
// the warm-up RSS stays flat. The check compares the last quarter's median RSS with the second
// quarter's (warm-up excluded): target within ±20 %.
//   bun bench/soak/run.ts [--minutes 10] [--rate 200]
// Writes bench/results/soak.json.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { result, writeResults } from "../lib/results.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, rate: { type: "string", default: "200" } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const root = resolve(import.meta.dir, "../..");
const log = (msg: string, f: Record<string, unknown> = {}) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "bench.soak", msg, ...f }));

const port = 20_000 + Math.floor(Math.random() * 20_000);
const key = "soak-key";
const proc = Bun.spawn(["bun", resolve(root, "cli/weir.ts"), "run", resolve(root, "topology/support.yaml"), "--port", String(port)], {
  cwd: mkdtempSync(join(tmpdir(), "weir-soak-")),
  env: { ...process.env, KAFKA_BROKERS: "", DATABASE_URL: "", WEIR_API_KEYS: `acme:${key}`, WEIR_LOG_LEVEL: "warn", WEIR_LOG_FORMAT: "json" },
  stdout: "ignore",
  stderr: "ignore",
});
const base = `http://127.0.0.1:${port}`;
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]) / 1024;
for (let i = 0; ; i++) {
  if (i > 600) throw new Error("weir run did not answer /live within 60 s");
  if (await fetch(`${base}/live`).then((r) => r.ok, () => false)) break;
  await Bun.sleep(100);
}

const texts = readFileSync(resolve(root, "test/fixtures/eval/support-messages.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => String(JSON.parse(l).text));
const samples: Array<{ atS: number; rssMb: number; sent: number }> = [];
const start = performance.now();
const end = start + minutes * 60_000;
let sent = 0;
let failed = 0;
let nextSample = start;
// Steady ingestion in batches of `rate / 10` every 100 ms, ids unique, 5 000 conversations cycling.
while (performance.now() < end) {
  const tick = performance.now();
  const n = Math.max(1, Math.round(rate / 10));
  const messages = Array.from({ length: n }, (_, k) => {
    const i = sent + k;
    return { id: `soak-${i}`, conversationId: `c-${i % 5000}`, text: texts[i % texts.length], metadata: { order: `A-${i}`, channel: "email" } };
  });
  const res = await fetch(`${base}/v1/messages/batch`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ messages }) }).catch(() => null);
  if (!res || res.status >= 300) failed += n;
  else await res.arrayBuffer();
  sent += n;
  if (tick >= nextSample) {
    samples.push({ atS: Math.round((tick - start) / 1000), rssMb: Math.round(rssMb()), sent });
    log("sample", samples.at(-1)!);
    nextSample += 10_000;
  }
  await Bun.sleep(Math.max(0, 100 - (performance.now() - tick)));
}
proc.kill("SIGTERM");
await proc.exited;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const q = Math.floor(samples.length / 4);
const second = median(samples.slice(q, 2 * q).map((s) => s.rssMb));
const last = median(samples.slice(3 * q).map((s) => s.rssMb));
const path = writeResults(
  "soak",
  `bun bench/soak/run.ts --minutes ${minutes} --rate ${rate}`,
  [
    // ratio = second-quarter RSS ÷ last-quarter RSS: 1 is flat, below 1 is growth; 0.833 = at most +20 %.
    result(`RSS, last quarter of ${minutes} min at ${rate} msgs/s (median)`, last, "MB", "RSS in the second quarter (median, warm-up excluded)", second, 0.833, true),
  ],
  { setup: { minutes, rate, sent, failed, conversations: 5000, samples }, notes: ["Embedded defaults: in-process broker with retention, bounded in-memory insight store (WEIR_MEMORY_STORE_BYTES), actor state bounded in memory (spill to disk).", "ratio = second-quarter RSS ÷ last-quarter RSS (bigger is better; 1 = flat); target 0.833: the last quarter at most 20 % above the second."] },
);
console.log(readFileSync(path, "utf8"));
