// Structured JSON logs, one object per line, on stderr. Levels are set per module:
//   WEIR_LOG_LEVEL=info            (default for every module)
//   WEIR_LOG_LEVELS=kafka=debug,api=warn
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
}
/** Where lines go (default: stdout, warn and above to stderr). Returns the previous sink. */
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
      line = JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ time: rec.time, level, module: this.module, msg: rec.msg, note: "fields not serialisable" });
    }
    sink(line, level);
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
