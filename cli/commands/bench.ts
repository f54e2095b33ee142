// `weir bench kafka|engine|api|all`: runs the benchmarks in bench/, each as its own process so a
// bench never shares a heap or event loop with the CLI, and optionally fails on a missed target.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";

const ROOT = resolve(import.meta.dir, "../..");
const NAMES = ["kafka", "engine", "api"] as const;
type BenchName = (typeof NAMES)[number];

/** The entry of a bench, if it exists; the engine bench may ship as run.ts or passthrough.ts. */
function entry(name: BenchName): string | null {
  const candidates = [`bench/${name}/run.ts`];
  return candidates.find((c) => existsSync(resolve(ROOT, c))) ?? null;
}

interface ResultFile {
  results: { name: string; ratio: number; target: number | null; pass: boolean | null }[];
}

/** Names of results that missed their target in bench/results/NAME.json. */
function missed(name: BenchName): string[] {
  const path = resolve(ROOT, "bench/results", `${name}.json`);
  if (!existsSync(path)) return [];
  const file = JSON.parse(readFileSync(path, "utf8")) as ResultFile;
  return file.results.filter((r) => r.pass === false).map((r) => `${r.name}: ratio ${r.ratio} < target ${r.target}`);
}

const command: Command = {
  name: "bench",
  summary: "run the benchmarks against their peers (kafka, engine, api, all)",
  help: `Usage: weir bench kafka|engine|api|all [--scale N] [--repeats N] [--check]

Runs bench/NAME/run.ts in its own
process; each writes bench/results/NAME.json. See docs/bench.md for what each number means.

  --scale N     multiply message counts by N (e.g. 0.1 for a quick run; default 1)
  --repeats N   runs per client, best kept (kafka bench; default 2)
  --check       exit 1 if any result misses its target

Examples:
  weir bench kafka
  weir bench all --scale 0.1 --check`,
  async run(argv) {
    const { values, positionals } = parse(argv, { scale: { type: "string" }, repeats: { type: "string" }, check: { type: "boolean" } });
    const which = positionals[0];
    if (!which) throw new UsageError("missing bench name (kafka, engine, api or all)");
    if (which !== "all" && !(NAMES as readonly string[]).includes(which)) throw new UsageError(`unknown bench '${which}'`);
    for (const [k, v] of [["scale", values.scale], ["repeats", values.repeats]] as const) {
      if (v !== undefined && !(Number(v) > 0)) throw new UsageError(`--${k} must be a positive number`);
    }
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    if (values.scale) env.WEIR_BENCH_SCALE = String(values.scale);
    if (values.repeats) env.WEIR_BENCH_REPEATS = String(values.repeats);

    const names: BenchName[] = which === "all" ? [...NAMES] : [which as BenchName];
    let failed = false;
    const misses: string[] = [];
    for (const name of names) {
      const file = entry(name);
      if (!file) {
        process.stderr.write(`weir bench: ${name} bench is not available (no bench/${name}/run.ts); skipped\n`);
        if (which !== "all") return EXIT.UNAVAILABLE;
        continue;
      }
      const proc = Bun.spawn(["bun", file], { cwd: ROOT, env, stdout: "inherit", stderr: "inherit", stdin: "ignore" });
      // Pass Ctrl-C on to the bench so it can delete its topics and stop its servers.
      const onSigint = () => proc.kill("SIGINT");
      process.on("SIGINT", onSigint);
      const code = await proc.exited;
      process.off("SIGINT", onSigint);
      if (code === 130 || proc.signalCode === "SIGINT") return EXIT.INTERRUPTED;
      if (code !== 0) {
        process.stderr.write(`weir bench: ${name} bench failed (exit ${code})\n`);
        failed = true;
        continue;
      }
      if (values.check) misses.push(...missed(name).map((m) => `${name}: ${m}`));
    }
    for (const m of misses) process.stderr.write(`weir bench: target missed — ${m}\n`);
    return failed || misses.length ? EXIT.FAILURE : EXIT.OK;
  },
};
export default command;
