// GET /: the page a person lands on from the start-up banner. It links to what this server offers
// (dashboard, API reference, health, metrics) so no one has to guess the paths, and says how to
// authenticate. Plain HTML, nothing loaded from elsewhere.
const LINKS: Array<[string, string, string]> = [
  ["/dashboard", "Dashboard", "live insights, conversations, throughput, lag, agents and the topology (open it as /dashboard#key=YOUR_KEY)"],
  ["/docs", "API reference", "every endpoint with its request and response schemas; the OpenAPI document is /docs/json"],
  ["/health", "Health", "each component's state (Kafka, store, pipeline) as JSON"],
  ["/ready", "Readiness", "503 with a reason when a component is down or the pipeline makes no progress"],
  ["/metrics", "Metrics", "Prometheus text (WEIR_METRICS_TOKEN, or WEIR_METRICS_PUBLIC=1)"],
];

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weir</title><meta name="viewport" content="width=device-width,initial-scale=1">
<style>
 body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0;display:flex;justify-content:center}
 main{max-width:760px;padding:32px 24px} h1{margin:0 0 4px} p{color:#cbd5e1} a{color:#7dd3fc;font-weight:600}
 li{margin:10px 0;list-style:none} ul{padding:0} code{background:#1e293b;padding:1px 5px;border-radius:4px;font-size:14px}
 pre{background:#1e293b;padding:12px;border-radius:8px;overflow:auto;font-size:13px}
</style></head><body><main>
<h1>weir</h1>
<p>Stream processing on Bun: support messages in, insights out.</p>
<ul>
${LINKS.map(([href, name, what]) => `<li><a href="${href}">${name}</a> — ${what}</li>`).join("\n")}
</ul>
<p>Send a message (the key is printed at start-up, kept in <code>.weir/dev-key</code> in development, or one of <code>WEIR_API_KEYS</code>):</p>
<pre>curl -X POST http://HOST/v1/messages -H "authorization: Bearer $KEY" -H 'content-type: application/json' \\
     -d '{"conversationId":"c-1","text":"I was charged twice, please refund"}'</pre>
</main></body></html>`;

/** The page, with examples pointing at the address the browser used. */
export function landingPage(origin: string): string {
  const safe = /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(origin) ? origin : "http://127.0.0.1:3000";
  return PAGE.replaceAll("http://HOST", safe);
}
