// The /docs page when no docs UI package is installed: plain HTML and JS in one string that reads
// /docs/json from this server and renders every endpoint with its request and response schemas.
// Nothing is fetched from anywhere else, so it works offline and behind a firewall.
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weir API reference</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
 body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0}
 header{padding:16px 24px;background:#1e293b;border-bottom:1px solid #334155}
 header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#94a3b8}
 a{color:#7dd3fc} main{display:grid;grid-template-columns:260px 1fr;gap:0}
 nav{padding:16px;border-right:1px solid #334155;position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto}
 nav a{display:block;text-decoration:none;padding:2px 0;font-size:13px} nav h3{font-size:12px;color:#94a3b8;text-transform:uppercase;margin:14px 0 4px}
 #ops{padding:16px 24px}
 .op{background:#1e293b;border-radius:8px;margin:0 0 16px;padding:14px 16px}
 .op h2{font-size:16px;margin:0 0 4px;font-family:ui-monospace,monospace}
 .m{display:inline-block;min-width:52px;text-align:center;border-radius:4px;padding:1px 6px;margin-right:8px;font-size:12px;font-weight:700;color:#0f172a}
 .get{background:#4ade80}.post{background:#38bdf8}.put{background:#facc15}.delete{background:#f87171}
 .sum{color:#cbd5e1} h4{margin:12px 0 4px;font-size:13px;color:#94a3b8}
 table{border-collapse:collapse;width:100%;font-size:13px} td,th{border-bottom:1px solid #334155;padding:3px 6px;text-align:left;vertical-align:top}
 th{color:#94a3b8;font-weight:600} code{font-family:ui-monospace,monospace;font-size:12.5px}
 .req{color:#fbbf24} details{margin:2px 0} summary{cursor:pointer}
 .schema{margin:4px 0 0 12px}
</style></head>
<body>
<header><h1 id="title">weir API</h1><p>Loaded from <a href="/docs/json">/docs/json</a> (OpenAPI). Authenticate with <code>Authorization: Bearer KEY</code>. <a href="/">Home</a> · <a href="/dashboard">Dashboard</a></p></header>
<main><nav id="nav"></nav><div id="ops"><p>Loading the OpenAPI document…</p></div></main>
<script>
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
let doc;
function deref(s) {
  let n = 0;
  while (s && s.$ref && n++ < 10) s = doc.components.schemas[s.$ref.split("/").pop()] || {};
  return s || {};
}
function typeOf(s) {
  s = deref(s);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.type === "array") return typeOf(s.items) + "[]";
  if (s.type === "object" && s.patternProperties) return "map";
  return s.type || "any";
}
function schemaTable(s, depth) {
  s = deref(s);
  if (s.type === "array") return "<div class='schema'>array of:" + schemaTable(s.items, depth) + "</div>";
  if (!s.properties) return "<div class='schema'><code>" + esc(typeOf(s)) + "</code></div>";
  const req = new Set(s.required || []);
  const rows = Object.entries(s.properties).map(([k, v]) => {
    const d = deref(v);
    const inner = depth < 3 && (d.properties || (d.type === "array" && deref(d.items).properties)) ? "<details><summary>fields</summary>" + schemaTable(d, depth + 1) + "</details>" : "";
    const notes = [d.description, d.rule, d.minLength !== undefined ? "min length " + d.minLength : "", d.maxLength !== undefined ? "max length " + d.maxLength : ""].filter(Boolean).join("; ");
    return "<tr><td><code>" + esc(k) + "</code>" + (req.has(k) ? " <span class='req'>required</span>" : "") + "</td><td><code>" + esc(typeOf(d)) + "</code></td><td>" + esc(notes) + inner + "</td></tr>";
  });
  return "<table class='schema'><tr><th>field</th><th>type</th><th>notes</th></tr>" + rows.join("") + "</table>";
}
function render() {
  document.getElementById("title").textContent = doc.info.title + " " + (doc.info.version || "");
  const ops = [], nav = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const id = (method + path).replace(/[^a-z0-9]+/gi, "-");
    const tag = (op.tags || ["other"])[0];
    (nav[tag] = nav[tag] || []).push("<a href='#" + id + "'>" + method.toUpperCase() + " " + esc(path) + "</a>");
    let h = "<section class='op' id='" + id + "' data-path='" + esc(path) + "' data-method='" + method + "'><h2><span class='m " + method + "'>" + method.toUpperCase() + "</span>" + esc(path) + "</h2>";
    h += "<div class='sum'>" + esc(op.summary) + "</div>" + (op.description ? "<p>" + esc(op.description) + "</p>" : "");
    if (op.parameters && op.parameters.length) h += "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th></tr>" + op.parameters.map((p) => "<tr><td><code>" + esc(p.name) + "</code></td><td>" + p.in + "</td><td><code>" + esc(typeOf(p.schema)) + "</code></td></tr>").join("") + "</table>";
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (body) h += "<h4>Request body (application/json)" + (op.requestBody.description ? ": " + esc(op.requestBody.description) : "") + "</h4>" + schemaTable(body.schema, 0);
    if (op.responses) for (const [status, r] of Object.entries(op.responses)) {
      const c = r.content && (r.content["application/json"] || Object.values(r.content)[0]);
      h += "<details class='response'><summary>" + status + " " + esc(r.description || "") + "</summary>" + (c && c.schema ? schemaTable(c.schema, 0) : "") + "</details>";
    }
    ops.push(h + "</section>");
  }
  const schemas = Object.entries(doc.components.schemas || {});
  if (schemas.length) {
    nav.schemas = schemas.map(([n]) => "<a href='#schema-" + n + "'>" + n + "</a>");
    ops.push("<h2 id='schemas'>Schemas</h2>" + schemas.map(([n, s]) => "<section class='op' id='schema-" + n + "'><h2>" + n + "</h2>" + (s.description ? "<p>" + esc(s.description) + "</p>" : "") + schemaTable(s, 0) + "</section>").join(""));
  }
  document.getElementById("nav").innerHTML = Object.entries(nav).map(([t, l]) => "<h3>" + esc(t) + "</h3>" + l.join("")).join("");
  document.getElementById("ops").innerHTML = ops.join("");
}
fetch("/docs/json").then((r) => r.json()).then((d) => { doc = d; render(); }).catch((e) => { document.getElementById("ops").textContent = "Could not load /docs/json: " + e.message; });
</script></body></html>`;
