// The dashboard page: vanilla HTML, CSS and JS in one string, so nothing is built or downloaded.
// The API key comes from the fragment (`/dashboard#key=...`, never sent to the server) or, for old
// links, `?key=`; the page keeps it in sessionStorage, removes it from the address bar, sends it as
// a header to /dashboard/stats.json, and opens the WebSocket with a single-use ticket.
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weir dashboard</title>
<style>
 body{font:14px system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0}
 header{padding:12px 20px;background:#1e293b;display:flex;gap:24px;align-items:baseline}
 h1{font-size:18px;margin:0} .k{color:#94a3b8;font-size:12px} .v{font-size:22px;font-weight:600}
 main{display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px}
 section{background:#1e293b;border-radius:8px;padding:12px} h2{font-size:13px;margin:0 0 8px;color:#94a3b8;text-transform:uppercase}
 #insights li{list-style:none;border-bottom:1px solid #334155;padding:6px 0} #insights{padding:0;margin:0;max-height:340px;overflow:auto}
 .neg{color:#f87171}.pos{color:#4ade80}.neu{color:#cbd5e1} table{width:100%;border-collapse:collapse} td{padding:3px 0}
 #graph{grid-column:1/3;background:#fff;border-radius:8px;overflow:auto}
</style></head>
<body>
<header><h1>weir</h1>
 <div><div class="k">consumed/s</div><div class="v" id="rate">–</div></div>
 <div><div class="k">consumed</div><div class="v" id="consumed">0</div></div>
 <div><div class="k">lag</div><div class="v" id="lag">0</div></div>
 <div><div class="k">dead letters</div><div class="v" id="dlq">0</div></div>
 <div><div class="k">RSS MB</div><div class="v" id="rss">–</div></div>
 <div><div class="k">live</div><div class="v" id="ws">connecting</div></div>
</header>
<main>
 <section><h2>Throughput</h2><svg id="spark" width="100%" height="120" viewBox="0 0 300 120" preserveAspectRatio="none"><polyline id="line" fill="none" stroke="#38bdf8" stroke-width="2" points=""/></svg>
  <h2>Agent latency</h2><table id="agents"></table></section>
 <section><h2>Insights</h2><ul id="insights"></ul></section>
 <section id="graph"></section>
</main>
<script>
const q = new URLSearchParams(location.search); const h = new URLSearchParams(location.hash.slice(1));
const key = h.get("key") || q.get("key") || sessionStorage.getItem("weir.key") || "";
if (key) sessionStorage.setItem("weir.key", key);
if (h.has("key") || q.has("key")) history.replaceState(null, "", location.pathname);
const auth = { authorization: "Bearer " + key };
const rates = []; let last = null;
async function poll() {
  try {
    const s = await (await fetch("/dashboard/stats.json", { headers: auth })).json();
    if (last) { const r = (s.consumed - last.consumed) / ((s.at - last.at) / 1000); rates.push(Math.max(0, r)); if (rates.length > 60) rates.shift(); document.getElementById("rate").textContent = Math.round(r); }
    last = s;
    for (const [id, v] of [["consumed", s.consumed], ["lag", s.lag], ["dlq", s.deadLetters], ["rss", s.rssMb]]) document.getElementById(id).textContent = v;
    const max = Math.max(1, ...rates);
    document.getElementById("line").setAttribute("points", rates.map((r, i) => (i * 300 / 59) + "," + (118 - r / max * 110)).join(" "));
    document.getElementById("agents").innerHTML = s.agents.map(a => "<tr><td>" + a.agent + "</td><td>" + a.meanMs.toFixed(1) + " ms</td><td>" + a.count + "</td></tr>").join("");
  } catch (e) {}
  setTimeout(poll, 1000);
}
async function connect() {
  let ticket = "";
  try { ticket = (await (await fetch("/v1/ws-ticket", { method: "POST", headers: auth })).json()).ticket || ""; } catch (e) {}
  if (!ticket) { document.getElementById("ws").textContent = "no access"; setTimeout(connect, 5000); return; }
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/stream?ticket=" + encodeURIComponent(ticket));
  ws.onopen = () => document.getElementById("ws").textContent = "connected";
  ws.onclose = () => { document.getElementById("ws").textContent = "reconnecting"; setTimeout(connect, 2000); };
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data); if (e.type !== "insight") return;
    const d = e.data || {}; const o = d.outputs || {}; const s = o.sentiment || {}; const i = o.insights || {};
    const li = document.createElement("li");
    li.className = "insight " + (s.label === "negative" ? "neg" : s.label === "positive" ? "pos" : "neu");
    li.textContent = "#" + e.seq + " " + (d.conversationId || "") + " · " + (s.label || "?") + " · " + (i.intent || "?") + " · " + (i.urgency || "") + " · " + (d.status || "");
    const ul = document.getElementById("insights"); ul.prepend(li); while (ul.children.length > 100) ul.lastChild.remove();
  };
}
fetch("/dashboard/graph.svg").then(r => r.text()).then(t => { const g = document.getElementById("graph"); g.innerHTML = t; const svg = g.querySelector("svg"); if (svg) { svg.setAttribute("width", "100%"); svg.removeAttribute("height"); } });
poll(); connect();
</script></body></html>`;
