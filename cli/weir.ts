#!/usr/bin/env bun
// The `weir` command. Each subcommand lives in cli/commands/NAME.ts and is loaded on demand,
// so `weir validate` does not pay for loading librdkafka or the API.
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { UsageError } from "./args.ts";
import { WeirError, ValidationError } from "../engine/errors.ts";

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  run: () => import("./commands/run.ts"),
  validate: () => import("./commands/validate.ts"),
  graph: () => import("./commands/graph.ts"),
  migrate: () => import("./commands/migrate.ts"),
  replay: () => import("./commands/replay.ts"),
  produce: () => import("./commands/produce.ts"),
  tail: () => import("./commands/tail.ts"),
  bench: () => import("./commands/bench.ts"),
  analyze: () => import("./commands/analyze.ts"),
  eval: () => import("./commands/eval.ts"),
  topics: () => import("./commands/topics.ts"),
  jobs: () => import("./commands/jobs.ts"),
};

async function loadAll(): Promise<Command[]> {
  const out: Command[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      out.push((await load()).default);
    } catch {
      out.push({ name, summary: "(not available in this build)", help: "", run: async () => EXIT.USAGE });
    }
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    const cmds = await loadAll();
    process.stdout.write(
      `weir: stream processing on Bun for LLM pipelines\n\nUsage: weir <command> [options]\n\nCommands:\n${cmds
        .map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
        .join("\n")}\n\nRun 'weir <command> --help' for a command's options.\nExit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 dependency unavailable, 130 interrupted.\n`,
    );
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`weir: unknown command '${name}'. Run 'weir --help'.\n`);
    return EXIT.USAGE;
  }
  const cmd = (await load()).default;
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(cmd.help.endsWith("\n") ? cmd.help : cmd.help + "\n");
    return EXIT.OK;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`weir ${name}: ${e.message}\n\n${cmd.help}\n`);
      return EXIT.USAGE;
    }
    if (e instanceof ValidationError) {
      process.stderr.write(`${e.format()}\n`);
      return EXIT.INVALID;
    }
    if (e instanceof WeirError) {
      process.stderr.write(JSON.stringify({ level: "error", module: "cli", msg: e.message, error: e.toJSON() }) + "\n");
      return e.code.startsWith("KAFKA") || e.code === "STORE_FAILED" || e.code === "SINK_FAILED" ? EXIT.UNAVAILABLE : EXIT.FAILURE;
    }
    process.stderr.write(JSON.stringify({ level: "error", module: "cli", msg: String((e as Error)?.message ?? e), stack: (e as Error)?.stack }) + "\n");
    return EXIT.FAILURE;
  }
}

const code = await main(process.argv.slice(2));
// A failed command may leave clients open (a librdkafka handle retrying a broker that is down):
// exit now rather than wait for them. A successful one exits when its work is done.
if (code !== EXIT.OK) process.exit(code);
process.exitCode = code;
