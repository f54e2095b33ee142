// The dashboard page: vanilla HTML, CSS and JS in one string, so nothing is built or downloaded.
// Authentication is the API's own: the key is sent as `Authorization: Bearer` and the WebSocket is
// opened with a single-use ticket (POST /v1/ws-ticket). The key comes from the address fragment
// (`/dashboard#key=...`, never sent to the server; `access_token` and the old `?key=` are read too)
// or from the form the page shows; it is kept in sessionStorage and removed from the address bar.
// A refused key is said plainly, with the server's reason, instead of retrying forever.
// On open the page loads the tenant's recent insights and conversations (/dashboard/recent.json),
// then follows /ws/stream from the newest seq it has.
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weir dashboard</title><meta name="viewport" content="width=device-width,initial-scale=1">
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0}
 header{padding:12px 20px;background:#1e293b;display:flex;gap:26px;align-items:flex-end;flex-wrap:wrap;border-bottom:1px solid #334155}
 h1{font-size:20px;margin:0 12px 0 0} .k{color:#94a3b8;font-size:12px} .v{font-size:22px;font-weight:600} .u{font-size:12px;color:#94a3b8;font-weight:400}
 main{display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px}
 section{background:#1e293b;border-radius:8px;padding:12px 14px;min-width:0} .wide{grid-column:1/3}
 h2{font-size:13px;margin:0 0 8px;color:#94a3b8;text-transform:uppercase;letter-spacing:.04em}
 table{width:100%;border-collapse:collapse} th{color:#94a3b8;font-weight:600;text-align:left;font-size:12px;border-bottom:1px solid #475569;padding:4px 6px}
 td{padding:5px 6px;border-bottom:1px solid #334155;vertical-align:top} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
 .negative{color:#f87171}.positive{color:#4ade80}.neutral{color:#cbd5e1} .high,.critical{color:#fbbf24;font-weight:600}
 .text{max-width:520px} .scroll{max-height:360px;overflow:auto} .muted{color:#94a3b8}
 .pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#334155}
 .pill.alert{background:#7f1d1d;color:#fecaca}
 #auth{display:none;background:#7f1d1d;color:#fee2e2;padding:12px 20px} #auth.show{display:block} #auth.ask{background:#1e3a8a;color:#dbeafe}
 #auth input{width:360px;padding:5px;border-radius:4px;border:1px solid #64748b;background:#0f172a;color:#e2e8f0} #auth button{padding:5px 12px;margin-left:6px}
 #graph{overflow:auto} #graph svg{max-width:none}
 svg.chart text{fill:#94a3b8;font-size:11px} svg.chart .axis{stroke:#475569} svg.chart .grid{stroke:#334155;stroke-dasharray:2 3}
</style></head>
<body>
<div id="auth"></div>
<header><h1>weir</h1>
 <div><div class="k">throughput</div><div class="v"><span id="rate">–</span> <span class="u">records/s</span></div></div>
 <div><div class="k">consumed</div><div class="v" id="consumed">–</div></div>
 <div><div class="k">lag</div><div class="v"><span id="lag">–</span> <span class="u">records</span></div></div>
 <div><div class="k">dead letters</div><div class="v" id="dlq">–</div></div>
 <div><div class="k">alerts</div><div class="v" id="alerts">–</div></div>
 <div><div class="k">memory</div><div class="v"><span id="rss">–</span> <span class="u">MB</span></div></div>
 <div><div class="k">live</div><div class="v" id="ws">connecting</div></div>
</header>
<main>
 <section><h2>Throughput (records consumed per second)</h2><svg id="throughput" class="chart" width="100%" height="170" viewBox="0 0 560 170"></svg></section>
 <section><h2>Lag (records waiting to be processed)</h2><svg id="lagchart" class="chart" width="100%" height="170" viewBox="0 0 560 170"></svg></section>
 <section class="wide"><h2>Recent insights <span class="muted" id="tenant"></span></h2><div class="scroll"><table id="insights"><thead><tr><th>time</th><th>conversation</th><th>message (redacted)</th><th>sentiment</th><th>intent</th><th>urgency</th><th>status</th></tr></thead><tbody></tbody></table></div><p class="muted" id="noinsights">No insights yet: POST /v1/messages and they appear here.</p></section>
 <section><h2>Conversations (rolling sentiment)</h2><div class="scroll"><table id="conversations"><thead><tr><th>conversation</th><th class="num">messages</th><th>sentiment</th><th>trend</th><th>urgency</th><th>alerts</th></tr></thead><tbody></tbody></table></div></section>
 <section><h2>Agents</h2><table id="agents"><thead><tr><th>agent</th><th class="num">mean ms</th><th class="num" title="upper bound of the histogram bucket holding the 95th percentile">p95 ms</th><th class="num">messages</th><th class="num">in flight</th></tr></thead><tbody></tbody></table>
  <h2 style="margin-top:16px">Alert rules</h2><table id="alertrules"><thead><tr><th>rule</th><th class="num">conversations alerting</th><th>webhook</th></tr></thead><tbody></tbody></table></section>
 <section class="wide"><h2>Topology</h2><div id="graph"></div></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const q = new URLSearchParams(location.search), h = new URLSearchParams(location.hash.slice(1));
let key = h.get("key") || h.get("access_token") || q.get("key") || q.get("access_token") || sessionStorage.getItem("weir.key") || "";
if (key) sessionStorage.setItem("weir.key", key);
if (h.has("key") || h.has("access_token") || q.has("key") || q.has("access_token")) history.replaceState(null, "", location.pathname);
let refused = false;
const headers = () => ({ authorization: "Bearer " + key });

function askForKey(reason) {
  refused = true;
  const a = $("auth");
  a.className = reason ? "show" : "show ask";
  a.innerHTML = (reason ? "<b>The API refused this key</b>: " + esc(reason) + ". " : "<b>An API key is needed</b> to show this tenant's data. ") +
    "Open <code>/dashboard#key=YOUR_KEY</code> (weir run prints it; in development it is in <code>.weir/dev-key</code>), or paste it: " +
    "<form id='keyform' style='display:inline'><input id='keyinput' placeholder='API key' autocomplete='off'><button>Use key</button></form>";
  $("keyform").onsubmit = (e) => { e.preventDefault(); key = $("keyinput").value.trim(); sessionStorage.setItem("weir.key", key); refused = false; a.className = ""; start(); };
  $("ws").textContent = "no access";
}
/** fetch with the key; a 401/403 shows the reason once and stops the polling. */
async function get(path, opts) {
  const r = await fetch(path, { ...(opts || {}), headers: headers() });
  if (r.status === 401 || r.status === 403) {
    let why = r.status + "";
    try { why = (await r.json()).error.message; } catch (e) {}
    askForKey(why);
    throw new Error("unauthorized");
  }
  if (!r.ok) throw new Error(path + " answered " + r.status);
  return r.json();
}

function fmtTime(ms) { if (!ms) return ""; const d = new Date(ms); return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
function nice(max) { if (max <= 1) return 1; const p = Math.pow(10, Math.floor(Math.log10(max))); for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p; return 10 * p; }
/** A line chart with a y axis (0, half, max with unit) and a time axis (seconds or minutes ago). */
function chart(svg, points, unit) {
  const W = 560, H = 170, L = 52, R = 10, T = 10, B = 28;
  const now = Date.now();
  const span = Math.max(60_000, points.length ? now - points[0].t : 0);
  const max = nice(Math.max(1, ...points.map((p) => p.v)));
  const x = (t) => L + (W - L - R) * (1 - (now - t) / span), y = (v) => T + (H - T - B) * (1 - v / max);
  let s = "";
  for (const f of [0, 0.5, 1]) s += "<line class='grid' x1='" + L + "' x2='" + (W - R) + "' y1='" + y(max * f) + "' y2='" + y(max * f) + "'/><text x='" + (L - 6) + "' y='" + (y(max * f) + 4) + "' text-anchor='end'>" + (max * f).toLocaleString() + "</text>";
  s += "<line class='axis' x1='" + L + "' x2='" + L + "' y1='" + T + "' y2='" + (H - B) + "'/><line class='axis' x1='" + L + "' x2='" + (W - R) + "' y1='" + (H - B) + "' y2='" + (H - B) + "'/>";
  for (const f of [1, 0.5, 0]) {
    const ago = Math.round((span * f) / 1000);
    s += "<text x='" + x(now - span * f) + "' y='" + (H - 10) + "' text-anchor='middle'>" + (ago === 0 ? "now" : ago >= 120 ? "-" + Math.round(ago / 60) + " min" : "-" + ago + " s") + "</text>";
  }
  s += "<text x='12' y='" + (T + (H - T - B) / 2) + "' transform='rotate(-90 12 " + (T + (H - T - B) / 2) + ")' text-anchor='middle'>" + esc(unit) + "</text>";
  if (points.length > 1) s += "<polyline fill='none' stroke='#38bdf8' stroke-width='2' points='" + points.map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ") + "'/>";
  else s += "<text x='" + (W / 2) + "' y='" + (H / 2) + "' text-anchor='middle'>collecting samples…</text>";
  svg.innerHTML = s;
}

async function poll() {
  if (refused) return;
  try {
    const s = await get("/dashboard/stats.json");
    const hist = s.history || [];
    const rates = [];
    for (let i = 1; i < hist.length; i++) rates.push({ t: hist[i].at, v: Math.max(0, (hist[i].consumed - hist[i - 1].consumed) / ((hist[i].at - hist[i - 1].at) / 1000)) });
    $("rate").textContent = rates.length ? Math.round(rates[rates.length - 1].v).toLocaleString() : "0";
    $("consumed").textContent = s.consumed.toLocaleString();
    $("lag").textContent = s.lag.toLocaleString();
    $("dlq").textContent = s.deadLetters.toLocaleString();
    $("rss").textContent = s.rssMb;
    chart($("throughput"), rates, "records/s");
    chart($("lagchart"), hist.map((p) => ({ t: p.at, v: p.lag })), "records");
    $("agents").tBodies[0].innerHTML = s.agents.map((a) => "<tr><td>" + esc(a.agent) + "</td><td class='num'>" + a.meanMs.toFixed(1) + "</td><td class='num'>" + (a.p95Ms === null ? "&gt; 30 000" : "≤ " + a.p95Ms.toLocaleString()) + "</td><td class='num'>" + a.count.toLocaleString() + "</td><td class='num'>" + (a.inFlight || 0) + "</td></tr>").join("") || "<tr><td colspan='5' class='muted'>no agent has run yet</td></tr>";
  } catch (e) {}
  setTimeout(poll, 2000);
}

const seen = new Set();
const convs = new Map();
function insightRow(i) {
  const s = i.sentiment || {};
  return "<tr data-seq='" + i.seq + "' class='insight'><td>" + esc(fmtTime(i.at)) + "</td><td>" + esc(i.conversationId) + "</td><td class='text'>" + esc(i.text) + "</td><td class='" + esc(s.label) + "'>" + esc(s.label || "") + (typeof s.score === "number" ? " (" + s.score.toFixed(2) + ")" : "") + "</td><td>" + esc(i.intent || "") + "</td><td class='" + esc(i.urgency) + "'>" + esc(i.urgency || "") + "</td><td>" + esc(i.status) + " v" + i.version + "</td></tr>";
}
function addInsight(i, top) {
  const id = i.seq + ":" + i.messageId;
  if (seen.has(id)) return;
  seen.add(id);
  const body = $("insights").tBodies[0];
  body.insertAdjacentHTML(top ? "afterbegin" : "beforeend", insightRow(i));
  while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
  $("noinsights").style.display = "none";
}
function spark(trend) {
  if (!trend || trend.length < 2) return "";
  const pts = trend.slice(-20).map((v, k, a) => (k * 80 / (a.length - 1)).toFixed(1) + "," + (10 - v * 9).toFixed(1)).join(" ");
  return "<svg width='80' height='20' viewBox='0 0 80 20'><line x1='0' x2='80' y1='10' y2='10' stroke='#334155'/><polyline fill='none' stroke='#38bdf8' stroke-width='1.5' points='" + pts + "'/></svg>";
}
function renderConversations() {
  const rows = [...convs.values()].sort((a, b) => (b.updatedAt || 0) - (a.updatedAt || 0));
  $("conversations").tBodies[0].innerHTML = rows.map((c) => {
    const r = c.rollup || {}; const s = r.sentiment || {};
    return "<tr data-conversation='" + esc(c.conversationId) + "'><td>" + esc(c.conversationId) + "</td><td class='num'>" + (r.messages ?? c.messages ?? "") + "</td><td class='" + esc(s.label) + "'>" + esc(s.label || "") + (typeof s.score === "number" ? " (" + s.score.toFixed(2) + ")" : "") + "</td><td>" + spark(s.trend) + "</td><td class='" + esc(r.urgency) + "'>" + esc(r.urgency || "") + "</td><td>" + (c.alerts || []).map((a) => "<span class='pill alert'>" + esc(a) + "</span>").join(" ") + "</td></tr>";
  }).join("") || "<tr><td colspan='6' class='muted'>none yet</td></tr>";
}

let since = 0;
async function loadRecent() {
  const r = await get("/dashboard/recent.json?limit=100");
  $("tenant").textContent = "· tenant " + r.tenant;
  for (const i of r.insights.slice().reverse()) { addInsight(i, true); since = Math.max(since, i.seq); }
  for (const c of r.conversations) convs.set(c.conversationId, c);
  renderConversations();
  $("alerts").textContent = r.alerts.reduce((n, a) => n + a.conversations, 0);
  $("alertrules").tBodies[0].innerHTML = r.alerts.map((a) => "<tr><td>" + esc(a.rule) + "</td><td class='num'>" + a.conversations + "</td><td>" + (a.webhook ? "on" : "<span class='muted'>off (no URL)</span>") + "</td></tr>").join("") || "<tr><td colspan='3' class='muted'>the topology has no alert rules</td></tr>";
}

async function connect() {
  if (refused) return;
  let ticket = "";
  try { ticket = (await get("/v1/ws-ticket", { method: "POST" })).ticket; } catch (e) { if (!refused) { $("ws").textContent = "retrying"; setTimeout(connect, 3000); } return; }
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/stream?ticket=" + encodeURIComponent(ticket) + "&since=" + since);
  ws.onopen = () => { $("ws").textContent = "connected"; };
  ws.onclose = (e) => { if (refused) return; $("ws").textContent = e.code === 4008 ? "too slow, reconnecting" : "reconnecting"; setTimeout(connect, 2000); };
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === "insight") {
      const d = e.data || {}, o = d.outputs || {}, msg = d.message || {};
      since = Math.max(since, e.seq);
      addInsight({ seq: e.seq, messageId: d.messageId, conversationId: e.conversationId, status: d.status, version: d.version, text: (o.pii && o.pii.redacted) || msg.text || "", sentiment: o.sentiment ? { label: o.sentiment.label, score: o.sentiment.score } : null, intent: o.insights && o.insights.intent, urgency: o.insights && o.insights.urgency, at: msg.timestamp }, true);
    } else if (e.type === "rollup") {
      const c = convs.get(e.conversationId) || { conversationId: e.conversationId, alerts: [] };
      c.rollup = e.data; c.updatedAt = e.data.updatedAt; convs.set(e.conversationId, c);
      renderConversations();
    }
  };
}

async function start() {
  fetch("/dashboard/graph.svg").then((r) => r.text()).then((t) => { $("graph").innerHTML = t; });
  if (!key) return askForKey();
  try { await loadRecent(); } catch (e) { if (refused) return; }
  poll(); connect();
  setInterval(() => { if (!refused) loadRecent().catch(() => {}); }, 15000);
}
start();
</script></body></html>`;
