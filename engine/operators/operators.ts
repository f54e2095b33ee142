// The topology's operators as RxJS operators over envelopes. Each drop calls `release()` on the
// envelope so the offset tracker knows that branch of the record is finished.
import type { OperatorFunction } from "rxjs";
import { WeirError } from "../errors.ts";
import type { Clock } from "../clock.ts";
import { durationMs, type Condition, type Operator } from "../../topology/schema.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { dedupeBy, type DedupeState } from "./dedupe.ts";
import { windowBy, type WindowState } from "./window.ts";
import { flatMapRecords, splitter, type FlatMapFn } from "./flat-map.ts";
import { aggregateBy, joinTable, type FoldFn, type KeyedKind, type KeyedState } from "./aggregate.ts";
import { field } from "./field.ts";
import { eachRecord, type OnRecordError } from "./each-record.ts";

export type { OnRecordError } from "./each-record.ts";

export { dedupeBy, DedupeState } from "./dedupe.ts";
export { windowBy, WindowState, type WindowResult } from "./window.ts";
export { KeyedState } from "./aggregate.ts";

/** A condition as a predicate, compiled once (a `matches` pattern is a JavaScript RegExp, built at start). */
export function condition(c: Condition): (value: Record<string, unknown>) => boolean {
  if (c.op === "matches") {
    let re: RegExp;
    try {
      re = new RegExp(String(c.value));
    } catch (e) {
      throw new WeirError("TOPOLOGY_INVALID", `condition on "${c.field}": invalid pattern: ${(e as Error).message}`);
    }
    return (value) => {
      const v = field(value, c.field);
      return typeof v === "string" && re.test(v);
    };
  }
  return (value) => matches(c, value);
}

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
export function filterRecords(pred: (v: Record<string, unknown>) => boolean, onError?: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => (pred(env.value) ? env : null), onError);
}

/** Transforms record values. */
export function mapRecords(fn: (v: Record<string, unknown>) => Record<string, unknown>, onError?: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => ({ ...env, value: fn(env.value) }), onError);
}

/** Re-keys records by a field (the actor key downstream). */
export function keyByField(path: string, onError?: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => ({ ...env, key: String(field(env.value, path) ?? env.key) }), onError);
}

export interface OperatorContext {
  clock: Clock;
  /** The partition-owned, changelogged state of a dedupe operator. */
  dedupe(op: Extract<Operator, { type: "dedupe" }>): DedupeState;
  /** The partition-owned, changelogged windows of a window operator. */
  window(op: Extract<Operator, { type: "window" }>): WindowState;
  /** A record the operator throws on (dead-lettered by the runtime; the partition flows on). */
  onError?: OnRecordError;
  /** The function a `module:` names, loaded at start. */
  fn?(name: string): ((...args: never[]) => unknown) | undefined;
  /** The changelogged per-key state of count, reduce, aggregate and table operators (also what a join reads), by operator name. */
  keyed?(name: string, spec?: KeyedKind): KeyedState;
}

export function operatorFor(op: Operator, ctx: OperatorContext, custom?: (v: Record<string, unknown>) => unknown): OperatorFunction<Envelope, Envelope> {
  const { clock } = ctx;
  switch (op.type) {
    case "filter": {
      if (custom) return filterRecords((v) => Boolean(custom(v)), ctx.onError);
      const w = op.where!;
      let pred: (v: Record<string, unknown>) => boolean;
      try {
        if ("all" in w) {
          const cs = w.all.map(condition);
          pred = (v) => cs.every((c) => c(v));
        } else if ("any" in w) {
          const cs = w.any.map(condition);
          pred = (v) => cs.some((c) => c(v));
        } else pred = condition(w as Condition);
      } catch (e) {
        throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": ${(e as Error).message}`);
      }
      return filterRecords(pred, ctx.onError);
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
      }, ctx.onError);
    case "keyBy":
      return keyByField(op.field, ctx.onError);
    case "dedupe":
      return dedupeBy(op.by, ctx.dedupe(op));
    case "window":
      return windowBy(ctx.window(op));
    case "flatMap": {
      const onError = ctx.onError ?? ((_env, err) => { throw err; });
      const fn = op.module ? (ctx.fn?.(op.name) as FlatMapFn | undefined) : op.split ? splitter(op.split) : undefined;
      if (!fn) throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": a flatMap needs module or split`);
      return flatMapRecords(fn, onError);
    }
    case "count":
    case "table":
    case "reduce":
    case "aggregate": {
      const onError = ctx.onError ?? ((_env, err) => { throw err; });
      const fold = op.type === "reduce" || op.type === "aggregate" ? (ctx.fn?.(op.name) as FoldFn | undefined) : undefined;
      if ((op.type === "reduce" || op.type === "aggregate") && !fold) throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": its module was not loaded`);
      const spec: KeyedKind = op.type === "reduce" ? { kind: "reduce", fold: fold! } : op.type === "aggregate" ? { kind: "aggregate", fold: fold!, initial: op.initial } : { kind: op.type };
      return aggregateBy(ctx.keyed!(op.name, spec), onError);
    }
    case "join":
      return joinTable(ctx.keyed!(op.table), op.as, op.kind === "inner");
    case "groupBy":
      throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": groupBy repartitions through a topic; the pipeline wires it`);
  }
}
