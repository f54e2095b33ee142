// `weir run FILE` as a person starts it, for end-to-end tests: a child process on the embedded
// transport with its API on a free port (PORT=0). Resolves once it logs "ready" (with the URL).
import { resolve } from "node:path";
import { waitFor } from "./wait.ts";
import { readLines } from "./lines.ts";

const ROOT = resolve(import.meta.dir, "../..");

export interface WeirRun {
  url: string;
  lines: Array<Record<string, unknown>>;
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<number>;
}

export async function startWeirRun(env: Record<string, string | undefined>, file = "topology/support.yaml"): Promise<WeirRun> {
  const lines: Array<Record<string, unknown>> = [];
  const proc = Bun.spawn(["bun", resolve(ROOT, "cli/weir.ts"), "run", file], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: "", DATABASE_URL: "", PORT: "0", WEIR_LOG_FORMAT: "json", WEIR_LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  for (const stream of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) void readLines(stream, (_raw, parsed) => lines.push(parsed));
  const ready = await waitFor(() => lines.find((l) => l.msg === "ready"), "weir run to log ready", 60_000);
  return {
    url: String(ready.url).replace(/\/$/, ""),
    lines,
    proc,
    async stop() {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}
