// flatMap: one record in, any number out. A module returns an array of values (or null/undefined
// for none); `split` cuts a text field into one record per token. Each output is a branch of the
// input record, so its offset commits once every output is done; an empty result releases it.
import type { OperatorFunction } from "rxjs";
import { WeirError } from "../errors.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { field } from "./field.ts";
import { eachRecord, type OnRecordError } from "./each-record.ts";
import { recordContext, type RecordContext } from "./record-context.ts";

export type FlatMapFn = (value: Record<string, unknown>, record: RecordContext) => unknown;

/** The built-in splitter: `{ field, pattern, as, lowerCase }`. */
export function splitter(spec: { field: string; pattern?: string; as: string; lowerCase?: boolean }): FlatMapFn {
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern ?? "\\W+", "u");
  } catch (e) {
    throw new WeirError("TOPOLOGY_INVALID", `split.pattern: ${(e as Error).message}`);
  }
  return (value) => {
    const text = field(value, spec.field);
    if (typeof text !== "string") return [];
    const out: Array<Record<string, unknown>> = [];
    for (const token of (spec.lowerCase ? text.toLowerCase() : text).split(re)) if (token) out.push({ [spec.as]: token });
    return out;
  };
}

export function flatMapRecords(fn: FlatMapFn, onError: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => {
    const out = fn(env.value, recordContext(env));
    if (out instanceof Promise) throw new Error("flatMap functions must be synchronous (it returned a Promise)");
    if (out === null || out === undefined) return [];
    if (!Array.isArray(out)) throw new Error(`a flatMap must return an array (or null for none), not ${typeof out}`);
    const bad = out.findIndex((v) => v === null || typeof v !== "object" || Array.isArray(v));
    if (bad >= 0) throw new Error(`a flatMap must return objects; item ${bad} is not one`);
    return (out as Array<Record<string, unknown>>).map((value) => ({ ...env, value }));
  }, onError);
}
