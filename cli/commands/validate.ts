// `weir validate FILE`: checks a topology file and reports every problem with its location.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadTopology, nodesOf } from "../../topology/load.ts";

const command: Command = {
  name: "validate",
  summary: "check a topology file and report every problem with file:line:column",
  help: `Usage: weir validate FILE [--json]

Checks the topology FILE against the schema and the graph rules (inputs exist, no cycles,
unique names, sane windows and watermarks). All problems are reported at once.

Options:
  --json    print the result as JSON
Exit codes: 0 valid, 3 invalid, 2 usage.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: "boolean" } });
    const file = positionals[0];
    if (!file) throw new UsageError("missing FILE");
    const t = loadTopology(file);
    const nodes = nodesOf(t);
    const counts = Object.fromEntries(["source", "operator", "agent", "aggregator", "sink"].map((k) => [k, nodes.filter((n) => n.kind === k).length]));
    if (values.json) process.stdout.write(JSON.stringify({ ok: true, file, name: t.name, nodes: counts }) + "\n");
    else process.stdout.write(`ok ${file}: ${t.name} — ${Object.entries(counts).map(([k, v]) => `${v} ${k}${v === 1 ? "" : "s"}`).join(", ")}\n`);
    return EXIT.OK;
  },
};
export default command;
