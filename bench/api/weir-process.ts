// The main job as its own process for the API bench's POST → WebSocket figure: `weir run FILE
// --port 0`, exactly as an operator starts it, with a fixed API key and rate limits lifted. It is
// ready once its log says so with the API's address; it stops with SIGTERM (graceful drain) and, if that
// hangs, SIGKILL.
import { resolve } from "node:path";
import { WeirError } from "../../engine/errors.ts";

const root = resolve(import.meta.dir, "../..");

export interface WeirProcess {
  /** The API's base URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The exact command line (environment prefix included) for the result file. */
  command: string;
  /** The last lines the process logged, for error messages. */
  tail(): string;
  stop(): Promise<number>;
}

export async function startWeirProcess(opts: { file: string; apiKey: string; env?: Record<string, string>; startTimeoutMs?: number }): Promise<WeirProcess> {
  const env: Record<string, string> = {
    WEIR_API_KEYS: opts.apiKey,
    WEIR_RATE_LIMIT_RPS: "0",
    HOST: "127.0.0.1",
    // Warnings only, except the run module's start-up lines (the API's address is in one of them).
    WEIR_LOG_LEVEL: "warn",
    WEIR_LOG_LEVELS: "run=info",
    ...opts.env,
  };
  const cmd = ["bun", "cli/weir.ts", "run", opts.file, "--port", "0"];
  // The process sees only what is named here (plus PATH and HOME), so nothing from the bench's own
  // environment (KAFKA_BROKERS, DATABASE_URL) changes its mode behind the bench's back.
  const proc = Bun.spawn(cmd, { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
  const lines: string[] = [];
  let onUrl: (url: string) => void = () => {};
  const urlSeen = new Promise<string>((r) => (onUrl = r));
  const read = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (lines.length > 50) lines.shift();
        // `weir run` logs "ready" with the API's url once the pipeline runs (older builds: "running"
        // after an "API listening" line with the url).
        if (line.includes('"msg":"ready"') && line.includes('"url"')) onUrl(JSON.parse(line).url);
        else if (line.includes('"msg":"running"')) {
          const listening = lines.find((l) => l.includes('"msg":"API listening"'));
          if (listening) onUrl(JSON.parse(listening).url);
        }
      }
    }
  };
  void read(proc.stdout);
  void read(proc.stderr);
  const tail = () => lines.slice(-20).join("\n");
  const timeoutMs = opts.startTimeoutMs ?? 90_000;
  // A timer, cleared once settled, so a started process does not keep the bench alive for the timeout.
  let timer: Timer | undefined;
  const url = await Promise.race([
    urlSeen,
    proc.exited.then((code) => Promise.reject(new WeirError("INTERNAL", `${cmd.join(" ")} exited with ${code} before it was running:\n${tail()}`))),
    new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new WeirError("INTERNAL", `${cmd.join(" ")} was not running after ${timeoutMs / 1000}s:\n${tail()}`)), timeoutMs))),
  ])
    .catch((err) => {
      proc.kill("SIGKILL");
      throw err;
    })
    .finally(() => clearTimeout(timer));
  const shown = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ");
  return {
    url,
    command: `${shown} ${cmd.join(" ")}`,
    tail,
    async stop() {
      proc.kill("SIGTERM");
      let timer: Timer | undefined;
      const code = await Promise.race([proc.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 30_000)))]);
      clearTimeout(timer);
      if (code !== null) return code;
      proc.kill("SIGKILL");
      return proc.exited;
    },
  };
}
