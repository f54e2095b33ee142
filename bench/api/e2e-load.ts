// The client of the API bench's POST → WebSocket figure, its own process so it never shares an
// event loop with the server under test. It subscribes to the tenant stream first, then POSTs
// support messages with unique ids — at a fixed offered rate (open loop: request i leaves at
// t0 + i/rate whatever the answers do, so a slow server cannot slow the clock down), or flat out
// with CONCURRENCY in flight ("flood", to find the maximum rate) — and records, per message id, the
// time its POST left and the time the `final` insight event for that id arrived on the socket.
// Prints one JSON line of figures.
//   bun bench/api/e2e-load.ts BASE_URL TOKEN|- rate:N|flood:CONCURRENCY SECONDS WAIT_SECONDS
// With a TOKEN the socket is opened with a single-use ticket from POST /v1/ws-ticket (the
// header-less way browsers use); with "-" (the bare baseline) /ws/stream is opened as is.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { WeirError } from "../../engine/errors.ts";

const [baseArg, tokenArg, modeArg, secondsArg, waitArg] = process.argv.slice(2);
const base = new URL(baseArg!);
const token = tokenArg && tokenArg !== "-" ? tokenArg : undefined;
const [mode, modeValue] = (modeArg ?? "").split(":");
const seconds = Number(secondsArg);
const waitMs = Number(waitArg) * 1000;
if (!(mode === "rate" || mode === "flood") || !(Number(modeValue) > 0)) throw new WeirError("VALIDATION_FAILED", `mode: must be rate:N or flood:N (N > 0), got ${modeArg}`);
if (!(seconds > 0) || !(waitMs >= 0)) throw new WeirError("VALIDATION_FAILED", `SECONDS must be > 0 and WAIT_SECONDS >= 0, got ${secondsArg} ${waitArg}`);

const TEXTS: string[] = readFileSync(resolve(import.meta.dir, "../../test/fixtures/eval/support-messages.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l).text);
const CONVERSATIONS = 500;
const run = crypto.randomUUID().slice(0, 8);
const headers: Record<string, string> = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
// Fresh conversation ids every run, so no round inherits another's per-conversation state.
const body = (i: number) => JSON.stringify({ id: `${run}-${i}`, conversationId: `${run}-c${i % CONVERSATIONS}`, text: TEXTS[i % TEXTS.length], author: "customer", channel: "web", timestamp: Date.now() });

const sentAt = new Map<string, number>();
const latency = new Map<string, number>();
const partialFirst = new Set<string>();
let errors = 0;
let lastFinal = 0;
const statuses: Record<string, number> = {};
let allArrived: () => void = () => {};
let sendingDone = false;

// Subscribe first, so no result can be published before the socket listens.
let wsUrl = new URL("/ws/stream", base);
wsUrl.protocol = base.protocol === "https:" ? "wss:" : "ws:";
if (token) {
  const res = await fetch(new URL("/v1/ws-ticket", base), { method: "POST", headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new WeirError("INTERNAL", `POST /v1/ws-ticket: ${res.status} ${await res.text()}`);
  wsUrl.searchParams.set("ticket", ((await res.json()) as { ticket: string }).ticket);
}
const ws = new WebSocket(wsUrl.href);
await new Promise<void>((ok, fail) => {
  ws.onopen = () => ok();
  ws.onerror = () => fail(new WeirError("INTERNAL", `WebSocket ${wsUrl.pathname} could not connect`));
});
let closed: string | null = null;
ws.onclose = (e) => (closed = `${e.code} ${e.reason}`);
ws.onmessage = (e) => {
  const now = performance.now();
  const event = JSON.parse(String(e.data)) as { type: string; data?: { messageId?: string; status?: string } };
  if (event.type !== "insight" || !event.data?.messageId) return;
  const id = event.data.messageId;
  const t0 = sentAt.get(id);
  if (t0 === undefined || latency.has(id)) return;
  if (event.data.status !== "final") {
    partialFirst.add(id);
    return;
  }
  latency.set(id, now - t0);
  lastFinal = now;
  if (sendingDone && latency.size === sentAt.size) allArrived();
};

async function post(i: number): Promise<void> {
  const id = `${run}-${i}`;
  const b = body(i);
  sentAt.set(id, performance.now());
  try {
    const res = await fetch(new URL("/v1/messages", base), { method: "POST", headers, body: b });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status !== 202) {
      errors++;
      sentAt.delete(id); // refused: no result is owed for it
    }
  } catch {
    errors++;
    statuses.error = (statuses.error ?? 0) + 1;
    sentAt.delete(id);
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const loadStart = r1(loadavg()[0]!);
const start = performance.now();
const deadline = start + seconds * 1000;
let sent = 0;
let lateSends = 0;
let maxBehindMs = 0;
const inFlight = new Set<Promise<void>>();
const track = (p: Promise<void>) => {
  inFlight.add(p);
  p.finally(() => inFlight.delete(p));
};
if (mode === "rate") {
  const rate = Number(modeValue);
  const total = Math.round(rate * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      const behind = performance.now() - (start + (sent * 1000) / rate);
      if (behind > 5) lateSends++;
      maxBehindMs = Math.max(maxBehindMs, behind);
      track(post(sent++));
    }
    await Bun.sleep(1);
  }
} else {
  const concurrency = Number(modeValue);
  const worker = async () => {
    while (performance.now() < deadline) await post(sent++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
await Promise.all(inFlight);
const postSeconds = (performance.now() - start) / 1000;
sendingDone = true;
const everyOne = new Promise<void>((r) => (allArrived = r));
if (latency.size < sentAt.size) await Promise.race([everyOne, Bun.sleep(waitMs)]);
ws.close();

const sorted = [...latency.values()].sort((a, b) => a - b);
// Where the tail comes from: the worst latency of the messages sent in each second of the run (one
// stall shows as one bad second; a path that is slow throughout, as every second bad).
const perSecondMax: number[] = [];
for (const [id, ms] of latency) {
  const sec = Math.floor((sentAt.get(id)! - start) / 1000);
  perSecondMax[sec] = Math.max(perSecondMax[sec] ?? 0, ms);
}
const over = (limit: number) => sorted.filter((v) => v > limit).length;
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const accepted = sentAt.size;
console.log(
  JSON.stringify({
    mode: modeArg,
    seconds: postSeconds,
    sent,
    accepted,
    errors,
    statuses,
    post_rps: accepted / postSeconds,
    finals: latency.size,
    never_arrived: accepted - latency.size,
    partial_first: partialFirst.size,
    // Finals delivered per second from the first POST to the last final: what the whole path sustains.
    finals_per_s: latency.size / (((lastFinal || performance.now()) - start) / 1000),
    p50_ms: q(0.5),
    p99_ms: q(0.99),
    max_ms: sorted.at(-1) ?? NaN,
    over_50_ms: over(50),
    per_second_max_ms: Array.from(perSecondMax, (v) => Math.round(v ?? 0)),
    load_average_1m: [loadStart, r1(loadavg()[0]!)],
    late_sends: lateSends,
    max_behind_schedule_ms: maxBehindMs,
    socket_closed: closed,
  }),
);
process.exit(0);
