// The topology's operators as RxJS operators over envelopes. Each drop calls `release()` on the
// envelope so the offset tracker knows that branch of the record is finished.
import { Observable, filter, map, type OperatorFunction } from "rxjs";
import type { Clock } from "../clock.ts";
import { durationMs, type Condition, type Operator } from "../../topology/schema.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { dedupeBy, type DedupeState } from "./dedupe.ts";
import { field } from "./field.ts";

export { dedupeBy, DedupeState } from "./dedupe.ts";

export function matches(c: Condition, value: Record<string, unknown>): boolean {
  const v = field(value, c.field);
  switch (c.op) {
    case "eq": return v === c.value;
    case "ne": return v !== c.value;
    case "gt": return typeof v === "number" && v > (c.value as number);
    case "gte": return typeof v === "number" && v >= (c.value as number);
    case "lt": return typeof v === "number" && v < (c.value as number);
    case "lte": return typeof v === "number" && v <= (c.value as number);
    case "exists": return v !== undefined && v !== null;
    case "nonEmpty": return typeof v === "string" ? v.trim().length > 0 : Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null;
    case "matches": return typeof v === "string" && new RegExp(String(c.value)).test(v);
    case "in": return Array.isArray(c.value) && c.value.includes(v);
    default: return false;
  }
}

/** Drops records that do not match, releasing their branch. */
export function filterRecords(pred: (v: Record<string, unknown>) => boolean): OperatorFunction<Envelope, Envelope> {
  return filter((env) => {
    const keep = pred(env.value);
    if (!keep) env.release();
    return keep;
  });
}

/** Transforms record values. */
export function mapRecords(fn: (v: Record<string, unknown>) => Record<string, unknown>): OperatorFunction<Envelope, Envelope> {
  return map((env) => ({ ...env, value: fn(env.value) }) as Envelope);
}

/** Re-keys records by a field (the actor key downstream). */
export function keyByField(path: string): OperatorFunction<Envelope, Envelope> {
  return map((env) => ({ ...env, key: String(field(env.value, path) ?? env.key) }) as Envelope);
}

export interface WindowResult {
  key: string;
  start: number;
  end: number;
  count: number;
  records?: Array<Record<string, unknown>>;
}

/**
 * Tumbling (advance = size) or hopping windows over record timestamps, per key. A window closes
 * when the clock passes its end; its records' branches are released when the result is emitted.
 */
export function windowed(sizeMs: number, advanceMs: number, collect: boolean, clock: Clock): OperatorFunction<Envelope, Envelope> {
  return (source) =>
    new Observable<Envelope>((sub) => {
      const windows = new Map<string, { key: string; start: number; end: number; envs: Envelope[] }>();
      let timer: unknown = null;
      const flush = () => {
        timer = null;
        const now = clock.now();
        for (const [id, w] of windows) {
          if (w.end > now) continue;
          windows.delete(id);
          const first = w.envs[0];
          const value: WindowResult = { key: w.key, start: w.start, end: w.end, count: w.envs.length, ...(collect ? { records: w.envs.map((e) => e.value) } : {}) };
          // The window result carries the first record's bookkeeping; the rest are released now.
          const out: Envelope = { ...first, value: value as unknown as Record<string, unknown>, release: () => w.envs.forEach((e) => e.release()) };
          sub.next(out);
        }
        schedule();
      };
      const schedule = () => {
        if (timer !== null || !windows.size) return;
        const next = Math.min(...[...windows.values()].map((w) => w.end));
        timer = clock.setTimeout(flush, Math.max(0, next - clock.now()));
      };
      const s = source.subscribe({
        next(env) {
          const ts = env.timestamp;
          const first = Math.floor((ts - sizeMs) / advanceMs + 1) * advanceMs;
          let placed = 0;
          for (let start = Math.max(0, first); start <= ts; start += advanceMs) {
            if (start + sizeMs <= ts) continue;
            const id = `${env.key}\u0000${start}`;
            let w = windows.get(id);
            if (!w) windows.set(id, (w = { key: env.key, start, end: start + sizeMs, envs: [] }));
            // A record in several hopping windows needs one branch per window.
            if (placed++ > 0) env.fork(1);
            w.envs.push(env);
          }
          if (!placed) env.release();
          schedule();
        },
        error: (e) => sub.error(e),
        complete: () => {
          clock.clearTimeout(timer);
          sub.complete();
        },
      });
      return () => {
        clock.clearTimeout(timer);
        s.unsubscribe();
      };
    });
}

/** The RxJS operator for one topology operator definition. */
export interface OperatorContext {
  clock: Clock;
  /** The partition-owned, changelogged state of a dedupe operator. */
  dedupe(op: Extract<Operator, { type: "dedupe" }>): DedupeState;
}

export function operatorFor(op: Operator, ctx: OperatorContext, custom?: (v: Record<string, unknown>) => unknown): OperatorFunction<Envelope, Envelope> {
  const { clock } = ctx;
  switch (op.type) {
    case "filter": {
      if (custom) return filterRecords((v) => Boolean(custom(v)));
      const w = op.where!;
      const pred = "all" in w ? (v: Record<string, unknown>) => w.all.every((c) => matches(c, v)) : "any" in w ? (v: Record<string, unknown>) => w.any.some((c) => matches(c, v)) : (v: Record<string, unknown>) => matches(w as Condition, v);
      return filterRecords(pred);
    }
    case "map":
      return mapRecords((v) => {
        if (custom) return custom(v) as Record<string, unknown>;
        let out: Record<string, unknown> = op.pick ? Object.fromEntries(op.pick.filter((k) => k in v).map((k) => [k, v[k]])) : { ...v };
        for (const [from, to] of Object.entries(op.rename ?? {})) if (from in out) {
          out[to] = out[from];
          delete out[from];
        }
        out = { ...out, ...op.set };
        return out;
      });
    case "keyBy":
      return keyByField(op.field);
    case "dedupe":
      return dedupeBy(op.by, ctx.dedupe(op));
    case "window": {
      const size = durationMs(op.size, 60_000);
      return windowed(size, op.kind === "hopping" ? durationMs(op.advance, size) : size, op.aggregate === "collect", clock);
    }
  }
}
