// `weir graph FILE`: prints the topology as Mermaid, or writes an SVG or PNG picture.
import { writeFileSync } from "node:fs";
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadTopology } from "../../topology/load.ts";
import { toMermaid, toSvg } from "../../topology/graph.ts";

const command: Command = {
  name: "graph",
  summary: "print a topology as Mermaid, or write it as an SVG or PNG picture",
  help: `Usage: weir graph FILE [--format mermaid|svg|png] [-o|--out PATH]

  --format   mermaid (default), svg, or png (png needs rsvg-convert from librsvg2-bin, which
             scripts/bootstrap.sh installs)
  -o, --out  write to PATH instead of stdout (required for png)

Examples:
  weir graph topology/support.yaml                          # Mermaid, paste into a Markdown file
  weir graph topology/support.yaml --format svg -o support.svg
  weir graph topology/support.yaml --format png -o support.png`,
  async run(argv) {
    const { values, positionals } = parse(argv, { format: { type: "string" }, out: { type: "string", short: "o" } });
    const file = positionals[0];
    if (!file) throw new UsageError("missing FILE");
    const format = (values.format as string | undefined) ?? "mermaid";
    if (!["mermaid", "svg", "png"].includes(format)) throw new UsageError(`unknown --format ${format}`);
    const t = loadTopology(file);
    const out = values.out as string | undefined;
    if (format === "png") {
      if (!out) throw new UsageError("--format png needs --out PATH");
      const rsvg = Bun.which("rsvg-convert");
      if (!rsvg) {
        process.stderr.write("weir graph: --format png needs rsvg-convert, which is not installed: run scripts/bootstrap.sh, or apt-get install librsvg2-bin; --format svg -o FILE needs nothing\n");
        return EXIT.UNAVAILABLE;
      }
      const r = Bun.spawnSync([rsvg, "-f", "png", "-o", out], { stdin: Buffer.from(toSvg(t)), stderr: "pipe" });
      if (r.exitCode !== 0) {
        process.stderr.write(`weir graph: rsvg-convert failed: ${r.stderr.toString().trim()}\n`);
        return EXIT.FAILURE;
      }
      return EXIT.OK;
    }
    const text = format === "svg" ? toSvg(t) : toMermaid(t);
    if (out) writeFileSync(out, text);
    else process.stdout.write(text);
    return EXIT.OK;
  },
};
export default command;
