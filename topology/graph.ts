// Pictures of a topology: Mermaid text (for docs and `weir graph`) and a self-contained SVG
// laid out in layers by depth, so no external tool is needed.
import { nodesOf, type GraphNode } from "./load.ts";
import type { Topology } from "./schema.ts";
import { crossingTopic } from "./stages.ts";

const SHAPE: Record<GraphNode["kind"], [string, string]> = {
  source: ["[(", ")]"],
  operator: ["[", "]"],
  agent: ["([", "])"],
  aggregator: ["{{", "}}"],
  sink: ["[/", "/]"],
};

/** Stage of every node, as the runtime places them: unplaced nodes run in the first stage. */
function stageOf(t: Topology): Map<string, { stage: string }> {
  const m = new Map<string, { stage: string }>();
  for (const s of t.stages ?? []) for (const n of s.nodes) m.set(n, { stage: s.name });
  if (t.stages?.length) for (const n of nodesOf(t)) if (!m.has(n.name)) m.set(n.name, { stage: t.stages[0].name });
  return m;
}

function label(t: Topology, n: GraphNode): string {
  if (n.kind === "source") return `${n.name}<br/>${t.sources.find((s) => s.name === n.name)!.topic}`;
  if (n.kind === "agent") {
    const a = t.agents!.find((x) => x.name === n.name)!;
    return `${n.name}<br/>${a.agent} · ${a.implementation ?? "offline"}`;
  }
  if (n.kind === "operator") return `${n.name}<br/>${t.operators!.find((o) => o.name === n.name)!.type}`;
  if (n.kind === "sink") {
    const s = t.sinks.find((x) => x.name === n.name)!;
    return `${n.name}<br/>${s.type}${s.topic ? ` ${s.topic}` : ""}`;
  }
  return `${n.name}<br/>join`;
}


/** Mermaid flowchart; edges that cross stages are dashed and labelled with their topic. */
export function toMermaid(t: Topology): string {
  const nodes = nodesOf(t);
  const stages = stageOf(t);
  const lines = ["flowchart LR"];
  const id = (n: string) => n.replace(/[^A-Za-z0-9_]/g, "_");
  const grouped = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const s = stages.get(n.name)?.stage ?? "";
    grouped.set(s, [...(grouped.get(s) ?? []), n]);
  }
  for (const [stage, ns] of grouped) {
    const indent = stage ? "    " : "  ";
    if (stage) lines.push(`  subgraph ${id(stage)}["stage: ${stage}"]`);
    for (const n of ns) lines.push(`${indent}${id(n.name)}${SHAPE[n.kind][0]}"${label(t, n)}"${SHAPE[n.kind][1]}`);
    if (stage) lines.push("  end");
  }
  for (const n of nodes)
    for (const i of n.inputs) {
      const from = stages.get(i);
      const to = stages.get(n.name);
      if (from && to && from.stage !== to.stage) lines.push(`  ${id(i)} -. "${crossingTopic(t, to.stage, i)}" .-> ${id(n.name)}`);
      else lines.push(`  ${id(i)} --> ${id(n.name)}`);
    }
  lines.push("  classDef source fill:#e0f2fe,stroke:#0369a1", "  classDef agent fill:#ede9fe,stroke:#6d28d9", "  classDef sink fill:#dcfce7,stroke:#15803d", "  classDef aggregator fill:#fef3c7,stroke:#b45309");
  for (const kind of ["source", "agent", "sink", "aggregator"] as const) {
    const ids = nodes.filter((n) => n.kind === kind).map((n) => id(n.name));
    if (ids.length) lines.push(`  class ${ids.join(",")} ${kind}`);
  }
  return lines.join("\n") + "\n";
}

const COLORS: Record<GraphNode["kind"], [string, string]> = {
  source: ["#e0f2fe", "#0369a1"],
  operator: ["#f1f5f9", "#475569"],
  agent: ["#ede9fe", "#6d28d9"],
  aggregator: ["#fef3c7", "#b45309"],
  sink: ["#dcfce7", "#15803d"],
};
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface SvgOptions {
  /** Sinks that are configured off in this process (no URL, no store): drawn grey, dashed, marked "off". */
  disabledSinks?: string[];
  /** "dark" for the dashboard; "light" (default) for files. */
  theme?: "light" | "dark";
}

const STAGE_COLORS = ["#0ea5e9", "#f59e0b", "#a855f7", "#10b981", "#ef4444", "#64748b"];

/**
 * A standalone SVG: columns by depth from the sources, boxes coloured by kind, each box tagged with
 * its stage (a coloured band and name), stage crossings dashed and labelled, disabled sinks off.
 */
export function toSvg(t: Topology, opts: SvgOptions = {}): string {
  const off = new Set(opts.disabledSinks ?? []);
  const dark = opts.theme === "dark";
  const nodes = nodesOf(t);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const stages = stageOf(t);
  const depth = new Map<string, number>();
  const d = (n: GraphNode): number => {
    if (depth.has(n.name)) return depth.get(n.name)!;
    depth.set(n.name, 0);
    const v = n.inputs.length ? 1 + Math.max(...n.inputs.map((i) => (byName.get(i) ? d(byName.get(i)!) : 0))) : 0;
    depth.set(n.name, v);
    return v;
  };
  nodes.forEach(d);
  const cols = new Map<number, GraphNode[]>();
  for (const n of nodes) cols.set(depth.get(n.name)!, [...(cols.get(depth.get(n.name)!) ?? []), n]);
  const anyCrossing = nodes.some((n) => n.inputs.some((i) => stages.has(i) && stages.has(n.name) && stages.get(i)!.stage !== stages.get(n.name)!.stage));
  // Wider gaps when an edge carries a topic label, so the label fits between the columns.
  const W = 180, H = 62, GX = anyCrossing ? 150 : 60, GY = 24, PAD = 20;
  const stageNames = [...new Set([...stages.values()].map((s) => s.stage))];
  const stageColor = (name: string) => STAGE_COLORS[stageNames.indexOf(name) % STAGE_COLORS.length];
  const LEGEND = stageNames.length || off.size ? 28 : 0;
  const pos = new Map<string, { x: number; y: number }>();
  const maxRows = Math.max(...[...cols.values()].map((c) => c.length));
  for (const [c, ns] of cols) {
    const offset = ((maxRows - ns.length) * (H + GY)) / 2;
    ns.forEach((n, r) => pos.set(n.name, { x: PAD + c * (W + GX), y: LEGEND + PAD + offset + r * (H + GY) }));
  }
  const width = PAD * 2 + cols.size * (W + GX) - GX;
  const height = LEGEND + PAD * 2 + maxRows * (H + GY) - GY;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<title>${esc(t.name)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="${dark ? "#1e293b" : "#ffffff"}"/>`,
  ];
  // Legend: one swatch per stage, and what "off" means.
  let lx = PAD;
  for (const name of stageNames) {
    parts.push(`<g data-stage="${esc(name)}"><rect x="${lx}" y="${PAD - 6}" width="14" height="14" rx="3" fill="${stageColor(name)}"/><text x="${lx + 20}" y="${PAD + 5}" fill="${dark ? "#e2e8f0" : "#0f172a"}">stage ${esc(name)}</text></g>`);
    lx += 40 + name.length * 8 + 30;
  }
  if (off.size) parts.push(`<text x="${lx}" y="${PAD + 5}" fill="${dark ? "#94a3b8" : "#64748b"}">grey dashed = sink off in this process</text>`);
  for (const n of nodes)
    for (const i of n.inputs) {
      const a = pos.get(i);
      const b = pos.get(n.name)!;
      if (!a) continue;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      const from = stages.get(i);
      const to = stages.get(n.name);
      const crossing = from && to && from.stage !== to.stage ? crossingTopic(t, to.stage, i) : undefined;
      parts.push(`<path d="M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}" fill="none" stroke="#64748b" stroke-width="1.5"${crossing ? ' stroke-dasharray="5 4"' : ""} marker-end="url(#arrow)"/>`);
      // A stage crossing is a Kafka topic: name it on the edge, as in the Mermaid output.
      if (crossing) parts.push(`<text data-edge="${esc(i)}-${esc(n.name)}" x="${mx}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle" font-size="10" fill="#b45309" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(crossing)}</text>`);
    }
  for (const n of nodes) {
    const p = pos.get(n.name)!;
    const isOff = n.kind === "sink" && off.has(n.name);
    const [fill, stroke] = isOff ? ["#e2e8f0", "#94a3b8"] : COLORS[n.kind];
    const [l1, l2] = label(t, n).split("<br/>");
    const stage = stages.get(n.name)?.stage;
    parts.push(
      `<g data-node="${esc(n.name)}" data-kind="${n.kind}"${stage ? ` data-stage="${esc(stage)}"` : ""}${isOff ? ' data-off="true" opacity="0.6"' : ""}>` +
        `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="${n.kind === "agent" ? 24 : 6}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${isOff ? ' stroke-dasharray="4 3"' : ""}/>` +
        (stage ? `<rect x="${p.x + (n.kind === "agent" ? 14 : 1)}" y="${p.y + 1}" width="${W - (n.kind === "agent" ? 28 : 2)}" height="5" fill="${stageColor(stage)}"/>` : "") +
        `<text x="${p.x + W / 2}" y="${p.y + 25}" text-anchor="middle" font-weight="600" fill="#0f172a">${esc(l1)}${isOff ? " (off)" : ""}</text>` +
        `<text x="${p.x + W / 2}" y="${p.y + 43}" text-anchor="middle" fill="#334155">${esc(l2 ?? "")}</text>` +
        (stage ? `<text x="${p.x + W / 2}" y="${p.y + 57}" text-anchor="middle" font-size="10" fill="#475569">stage ${esc(stage)}</text>` : "") +
        `</g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
