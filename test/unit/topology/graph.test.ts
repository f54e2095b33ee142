import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { loadTopology, nodesOf } from "../../../topology/load.ts";
import { toMermaid, toSvg } from "../../../topology/graph.ts";

const t = loadTopology(resolve(import.meta.dir, "../../../topology/support.yaml"));

describe("graph", () => {
  test("Mermaid has every node and every edge; stage crossings are labelled with their topic", () => {
    const m = toMermaid(t);
    expect(m.startsWith("flowchart LR\n")).toBe(true);
    for (const n of nodesOf(t)) {
      expect(m).toContain(`${n.name}`);
      for (const i of n.inputs) expect(m.includes(`${i} --> ${n.name}`) || / -\. "support\.(fast|llm)\.[a-z]+" \.-> /.test(m.split("\n").find((l) => l.includes(`${i} -.`) && l.endsWith(`-> ${n.name}`)) ?? "")).toBe(true);
    }
    expect(m).toContain('pii -. "support.llm.pii" .-> summary');
    expect(m).toContain('subgraph llm["stage: llm"]');
  });

  test("SVG is well-formed and has one box per node", () => {
    const svg = toSvg(t);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<g data-node=/g)!.length).toBe(nodesOf(t).length);
    // every opened group is closed
    expect(svg.match(/<g /g)!.length).toBe(svg.match(/<\/g>/g)!.length);
    // stage crossings are labelled with their topic, as in the Mermaid output
    expect(svg).toContain(">support.llm.pii</text>");
    expect(svg).toContain(">support.fast.summary</text>");
  });
});

/** A small XML well-formedness check: balanced, properly nested tags, quoted attributes, escaped text. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const text = xml.slice(last, m.index);
    if (/[<>]|&(?!(amp|lt|gt|quot|apos);)/.test(text)) problems.push(`bad text before offset ${m.index}: ${text.slice(0, 40)}`);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else if (!selfClose) stack.push(name);
  }
  if (xml.slice(last).trim()) problems.push("text after the root element");
  if (stack.length) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}

describe("SVG well-formedness", () => {
  test("the checker itself catches broken XML", () => {
    expect(xmlProblems("<svg><g></svg>")).not.toEqual([]);
    expect(xmlProblems('<svg><text x="1">a & b</text></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect x="1"/><text>a &amp; b</text></svg>')).toEqual([]);
  });
  test("support.yaml's SVG is well-formed XML and escapes names", () => {
    expect(xmlProblems(toSvg(t))).toEqual([]);
    const odd = { ...t, name: "a<b>&c" };
    const svg = toSvg(odd);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain("<title>a&lt;b&gt;&amp;c</title>");
  });
});

describe("weir validate / graph (CLI)", () => {
  const cli = resolve(import.meta.dir, "../../../cli/weir.ts");
  test("valid file: exit 0 and a summary", () => {
    const r = Bun.spawnSync(["bun", cli, "validate", resolve(import.meta.dir, "../../../topology/support.yaml")]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toContain("ok ");
  });
  test("invalid file: exit 3 and every problem with its location", () => {
    const r = Bun.spawnSync(["bun", cli, "validate", resolve(import.meta.dir, "../../fixtures/topology/bad.yaml")]);
    expect(r.exitCode).toBe(3);
    const lines = r.stderr.toString().trim().split("\n");
    expect(lines.length).toBe(6);
    expect(lines[0]).toMatch(/bad\.yaml:6:5 \/sources\/0\/serdes: unknown field "serdes" \(did you mean "serde"\?\)/);
  });
  test("graph prints Mermaid", () => {
    const r = Bun.spawnSync(["bun", cli, "graph", resolve(import.meta.dir, "../../../topology/support.yaml")]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toStartWith("flowchart LR");
  });
  test("graph --format png renders with rsvg-convert, or says how to install it", () => {
    const out = resolve(tmpdir(), `weir-graph-${crypto.randomUUID().slice(0, 8)}.png`);
    try {
      const r = Bun.spawnSync(["bun", cli, "graph", resolve(import.meta.dir, "../../../topology/support.yaml"), "--format", "png", "--out", out]);
      if (Bun.which("rsvg-convert")) {
        expect(r.exitCode).toBe(0);
        // PNG signature
        expect([...readFileSync(out).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      } else {
        expect(r.exitCode).toBe(4);
        expect(r.stderr.toString()).toContain("apt-get install librsvg2-bin");
      }
    } finally {
      rmSync(out, { force: true });
    }
  });
  test("graph --format svg --out writes the SVG", () => {
    const out = resolve(tmpdir(), `weir-graph-${crypto.randomUUID().slice(0, 8)}.svg`);
    try {
      const r = Bun.spawnSync(["bun", cli, "graph", resolve(import.meta.dir, "../../../topology/support.yaml"), "--format", "svg", "--out", out]);
      expect(r.exitCode).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(toSvg(t));
    } finally {
      rmSync(out, { force: true });
    }
  });
  test("unknown options are usage errors", () => {
    const r = Bun.spawnSync(["bun", cli, "validate", "--nope"]);
    expect(r.exitCode).toBe(2);
  });
});
