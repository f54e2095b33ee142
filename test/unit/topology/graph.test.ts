import { describe, expect, test } from "bun:test";
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
      for (const i of n.inputs) expect(m.includes(`${i} --> ${n.name}`) || m.includes(`${i} -. "support.stage.${n.name}" .-> ${n.name}`)).toBe(true);
    }
    expect(m).toContain('pii -. "support.stage.summary" .-> summary');
    expect(m).toContain('subgraph llm["stage: llm"]');
  });

  test("SVG is well-formed and has one box per node", () => {
    const svg = toSvg(t);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<g data-node=/g)!.length).toBe(nodesOf(t).length);
    // every opened group is closed
    expect(svg.match(/<g /g)!.length).toBe(svg.match(/<\/g>/g)!.length);
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
  test("unknown options are usage errors", () => {
    const r = Bun.spawnSync(["bun", cli, "validate", "--nope"]);
    expect(r.exitCode).toBe(2);
  });
});
