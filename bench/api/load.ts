// The HTTP load generator of the API bench, run as its own process so it never shares an event
// loop with the server under test: POSTs `total` support messages with `concurrency` requests
// in flight (keep-alive), bounded by `maxSeconds`, and prints one JSON line of figures.
//   bun bench/api/load.ts URL TOTAL CONCURRENCY MAX_SECONDS [BEARER_TOKEN]
const [url, totalArg, concArg, maxArg, token] = process.argv.slice(2);
const headers: Record<string, string> = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
const total = Number(totalArg);
const concurrency = Number(concArg);
const deadline = performance.now() + Number(maxArg) * 1000;
const run = crypto.randomUUID().slice(0, 8);
const latencies = new Float64Array(total);
let next = 0;
let done = 0;
let errors = 0;
const statuses: Record<string, number> = {};

function body(i: number): string {
  // With a token the tenant comes from authentication, as in weir's API; otherwise it is in the body.
  return JSON.stringify({ id: `${run}-${i}`, conversationId: `c-${i % 1000}`, ...(token ? {} : { tenant: "bench" }), text: "my order has not arrived yet, can you check where it is?", author: "customer", channel: "web", timestamp: Date.now() });
}

async function worker() {
  while (next < total && performance.now() < deadline) {
    const i = next++;
    const t0 = performance.now();
    try {
      const res = await fetch(url!, { method: "POST", headers, body: body(i) });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 300) errors++;
    } catch {
      errors++;
      statuses.error = (statuses.error ?? 0) + 1;
    }
    latencies[done++] = performance.now() - t0;
  }
}

// One request first so connection set-up is not in the figures.
await fetch(url!, { method: "POST", headers, body: body(-1) }).then((r) => r.arrayBuffer());
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - t0) / 1000;
const sorted = latencies.subarray(0, done).sort();
const q = (p: number) => sorted[Math.min(done - 1, Math.floor(p * done))] ?? 0;
console.log(JSON.stringify({ requests: done, errors, statuses, seconds, rps: done / seconds, p50_ms: q(0.5), p99_ms: q(0.99) }));

export {};
