// Structured logs on stderr, one record per line. Levels are set per module:
//   WEIR_LOG_LEVEL=info            (default for every module)
//   WEIR_LOG_LEVELS=kafka=debug,api=warn
// The format is JSON (for collectors) unless stderr is a terminal, where a person reads it:
// then each record is one short line, "12:03:04 INFO  api  weir API listening  url=...".
// WEIR_LOG_FORMAT=json|pretty overrides the choice either way. On a terminal, a run of routine
// lines (info and below) with the same module and message — "state restored" once per partition —
// is shown once with its count, so start-up fits on a screen.
// Every line can carry a correlation id (message id, trace id) through `child()`.
// A redactor can be installed (the pii agent's recognisers) so that no PII reaches the logs.

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

export interface Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  fatal(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: LogLevel): boolean;
}

type Sink = (line: string, level: LogLevel) => void;
// Logs go to stderr, so stdout stays clean for data (`weir tail`, `weir analyze`).
let sink: Sink = (line) => {
  process.stderr.write(line + "\n");
};
let redactor: ((text: string) => string) | null = null;

export type LogFormat = "json" | "pretty";

function parseFormat(): LogFormat {
  const f = process.env.WEIR_LOG_FORMAT;
  if (f === "json" || f === "pretty") return f;
  // Tests read log lines as JSON whether or not `bun test` runs in a terminal.
  return process.stderr.isTTY && process.env.NODE_ENV !== "test" ? "pretty" : "json";
}
let format: LogFormat = parseFormat();
/** Colour only on a terminal, and never with NO_COLOR (https://no-color.org). */
let colour = process.stderr.isTTY === true && !process.env.NO_COLOR;

/** The format lines are written in now (`weir run` prints a banner only for a person). */
export function logFormat(): LogFormat {
  return format;
}
/** Sets the format (and whether pretty lines are coloured); tests and `WEIR_LOG_FORMAT` use it. */
export function setLogFormat(f: LogFormat, colours = false): void {
  format = f;
  colour = colours;
}

function parseLevels(): { base: LogLevel; modules: Map<string, LogLevel> } {
  const base = ((process.env.WEIR_LOG_LEVEL as LogLevel) || (process.env.NODE_ENV === "test" ? "warn" : "info")) as LogLevel;
  const modules = new Map<string, LogLevel>();
  for (const part of (process.env.WEIR_LOG_LEVELS || "").split(",")) {
    const [m, l] = part.split("=").map((s) => s.trim());
    if (m && l && l in RANK) modules.set(m, l as LogLevel);
  }
  return { base: base in RANK ? base : "info", modules };
}
let levels = parseLevels();

/** Re-reads WEIR_LOG_LEVEL(S); tests call this after changing the environment. */
export function reloadLogLevels(): void {
  levels = parseLevels();
  format = parseFormat();
}
/** Where lines go (default: stderr). Returns the previous sink. */
export function setLogSink(s: Sink): Sink {
  const prev = sink;
  sink = s;
  return prev;
}
/** Installs a text redactor applied to every string field and message before writing. */
export function setLogRedactor(fn: ((text: string) => string) | null): void {
  redactor = fn;
}

function redactValue(v: unknown, depth = 0): unknown {
  if (!redactor || depth > 4) return v;
  if (typeof v === "string") return redactor(v);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  if (v && typeof v === "object" && !(v instanceof Error)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, depth + 1);
    return out;
  }
  return v;
}

function serialiseError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const anyE = e as Error & { code?: unknown; details?: unknown; retriable?: unknown };
  return { name: e.name, message: e.message, code: anyE.code, retriable: anyE.retriable, details: anyE.details, stack: e.stack?.split("\n").slice(0, 6).join("\n") };
}

const LEVEL_COLOUR: Record<LogLevel, string> = { trace: "90", debug: "90", info: "36", warn: "33", error: "31", fatal: "35", silent: "0" };
const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);

/** A value as a person reads it: strings bare unless they hold spaces, objects as compact JSON. */
function show(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v && typeof v === "object" && "message" in v && "name" in v) {
    const e = v as { name: string; message: string; code?: string; stack?: string };
    return JSON.stringify(`${e.code ?? e.name}: ${e.message}`);
  }
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** One record as a terminal line: time, level, module, message, then key=value fields; an error's stack follows indented. */
export function prettyLine(rec: Record<string, unknown>): string {
  const { time, level, module, msg, ...fields } = rec as { time: string; level: LogLevel; module: string; msg: string } & Record<string, unknown>;
  const clock = String(time).slice(11, 19);
  const head = `${paint("90", clock)} ${paint(LEVEL_COLOUR[level] ?? "0", level.toUpperCase().padEnd(5))} ${paint("90", module.padEnd(8))} ${msg}`;
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${paint("90", k + "=")}${show(v)}`)
    .join(" ");
  const stacks = Object.values(fields)
    .map((v) => (v && typeof v === "object" && typeof (v as { stack?: unknown }).stack === "string" ? (v as { stack: string }).stack : ""))
    .filter(Boolean)
    .flatMap((st) => st.split("\n").slice(1).map((l) => `    ${l.trim()}`));
  return [kv ? `${head}  ${kv}` : head, ...(level === "error" || level === "fatal" ? stacks : [])].join("\n");
}

/** The routine line being held back to count its repeats (pretty format only). */
let held: { key: string; line: string; level: LogLevel; count: number; timer: ReturnType<typeof setTimeout> } | null = null;
const HOLD_MS = 200;

function releaseHeld(): void {
  if (!held) return;
  const h = held;
  held = null;
  clearTimeout(h.timer);
  sink(h.count > 1 ? `${h.line}  ${paint("90", `(and ${h.count - 1} more like it)`)}` : h.line, h.level);
}
process.once("exit", releaseHeld);

/** Writes one rendered line; in pretty format, repeats of a routine line are counted, not printed. */
function emit(line: string, level: LogLevel, key: string): void {
  if (format !== "pretty" || RANK[level] > RANK.info) {
    releaseHeld();
    sink(line, level);
    return;
  }
  if (held && held.key === key) {
    held.count++;
    held.timer.refresh();
    return;
  }
  releaseHeld();
  const timer = setTimeout(releaseHeld, HOLD_MS);
  timer.unref?.();
  held = { key, line, level, count: 1, timer };
}

/** Writes text as it is (the start-up banner) after any held line, through the same sink. */
export function printBlock(text: string): void {
  releaseHeld();
  sink(text, "info");
}

class JsonLogger implements Logger {
  constructor(
    private readonly module: string,
    private readonly bound: Record<string, unknown>,
  ) {}
  enabled(level: LogLevel): boolean {
    const min = levels.modules.get(this.module) ?? levels.base;
    return RANK[level] >= RANK[min];
  }
  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>) {
    if (!this.enabled(level)) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level, module: this.module, msg: redactor ? redactor(msg) : msg };
    for (const [k, v] of Object.entries(this.bound)) rec[k] = redactValue(v);
    if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? serialiseError(v) : redactValue(v);
    let line: string;
    try {
      line = format === "pretty" ? prettyLine(rec) : JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ time: rec.time, level, module: this.module, msg: rec.msg, note: "fields not serialisable" });
    }
    emit(line, level, `${level}\u0000${this.module}\u0000${rec.msg}`);
  }
  trace(m: string, f?: Record<string, unknown>) { this.write("trace", m, f); }
  debug(m: string, f?: Record<string, unknown>) { this.write("debug", m, f); }
  info(m: string, f?: Record<string, unknown>) { this.write("info", m, f); }
  warn(m: string, f?: Record<string, unknown>) { this.write("warn", m, f); }
  error(m: string, f?: Record<string, unknown>) { this.write("error", m, f); }
  fatal(m: string, f?: Record<string, unknown>) { this.write("fatal", m, f); }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.module, { ...this.bound, ...fields });
  }
}

/**
 * A logger for one module.
 * @example
 * const log = logger("kafka.consumer");
 * log.child({ messageId, traceId }).info("processed", { partition: 3 });
 */
export function logger(module: string, fields: Record<string, unknown> = {}): Logger {
  return new JsonLogger(module, fields);
}
