// One real `weir run FILE --no-api` process, as an operator runs it: the cluster harness starts
// several of them at once and kills (-9), stops (SIGTERM) and restarts them. Its JSON log lines go
// to a file (for post-mortems) and are kept in memory so callers can wait for "running".
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { readLines } from "./lines.ts";
import { waitFor } from "./wait.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CLI = resolve(ROOT, "cli/weir.ts");

export interface WeirProcessOptions {
  /** Topology file to run. */
  file: string;
  /** Environment on top of the parent's (KAFKA_BROKERS, DATABASE_URL, WEIR_KAFKA_CONFIG...). */
  env: Record<string, string | undefined>;
  /** Where the log lines of every incarnation are appended. */
  logFile: string;
  name: string;
  /** Serve the HTTP API too (default: --no-api); its URL is logged as "API listening". */
  api?: boolean;
}

/** A restartable `weir run` worker. `incarnation` counts starts (1 for the first). */
export class WeirProcess {
  proc: ReturnType<typeof Bun.spawn> | null = null;
  incarnation = 0;
  /** Log lines (parsed JSON, or {text}) of the current incarnation. */
  lines: Array<Record<string, unknown>> = [];
  exitCode: number | null = null;
  /** Exits nobody asked for (a crash, an abort, a fatal error), with the last log lines before each. */
  readonly crashes: Array<{ incarnation: number; code: number; tail: string[] }> = [];
  private stopRequested = false;

  constructor(readonly opts: WeirProcessOptions) {}

  get alive(): boolean {
    return this.proc !== null && this.exitCode === null;
  }

  /** Spawns the process and waits until it logs "running" (all stages started). */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.alive) throw new Error(`${this.opts.name} is already running`);
    this.incarnation++;
    this.exitCode = null;
    this.stopRequested = false;
    const lines: Array<Record<string, unknown>> = [];
    this.lines = lines;
    const tag = `${this.opts.name}#${this.incarnation}`;
    const p = Bun.spawn(["bun", CLI, "run", this.opts.file, ...(this.opts.api ? [] : ["--no-api"])], {
      cwd: ROOT,
      env: { ...process.env, WEIR_LOG_LEVEL: "info", ...this.opts.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    this.proc = p;
    const incarnation = this.incarnation;
    void p.exited.then((code) => {
      if (this.proc !== p) return;
      this.exitCode = code;
      if (!this.stopRequested) this.crashes.push({ incarnation, code, tail: lines.slice(-8).map((l) => String(l.msg ?? l.text ?? "")) });
    });
    for (const stream of [p.stdout, p.stderr] as ReadableStream<Uint8Array>[])
      void readLines(stream, (raw, parsed) => {
        appendFileSync(this.opts.logFile, `${tag} ${raw}\n`);
        lines.push(parsed);
      });
    await waitFor(() => {
      if (this.proc === p && this.exitCode !== null) throw new Error(`${tag} exited with ${this.exitCode} before running; see ${this.opts.logFile}`);
      return lines.some((l) => l.msg === "running");
    }, `${tag} to log "running"`, timeoutMs, 50);
  }

  /** kill -9: no drain, no commit, no flush. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || !this.alive) return;
    this.stopRequested = true;
    p.kill("SIGKILL");
    this.exitCode = await p.exited;
  }

  /** SIGTERM, then waits for the exit (graceful stop: drain, commit, flush, close). Returns the exit code. */
  async term(timeoutMs = 90_000): Promise<number> {
    const p = this.proc;
    if (!p || !this.alive) return this.exitCode ?? -1;
    this.stopRequested = true;
    p.kill("SIGTERM");
    const code = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
    if (code === null) {
      p.kill("SIGKILL");
      this.exitCode = await p.exited;
      throw new Error(`${this.opts.name}#${this.incarnation} did not exit within ${timeoutMs} ms of SIGTERM (killed); see ${this.opts.logFile}`);
    }
    this.exitCode = code;
    return code;
  }

  /** Log lines at warn or error level of the current incarnation (for reports). */
  problems(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.level === "error" || l.level === "warn");
  }
}
