// `module:` filter and map operators: user code named in the topology as `path.ts#exportName`,
// resolved against the topology file's folder. The function runs synchronously per record; if it
// throws, that record goes to the dead-letter topic and the stream goes on (a bug in one record's
// handling must not stop the partition).
import { isAbsolute, resolve } from "node:path";
import type { OperatorFunction } from "rxjs";
import { eachRecord, type OnRecordError } from "./each-record.ts";
import { WeirError } from "../errors.ts";
import type { Operator } from "../../topology/schema.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { recordContext, type RecordContext } from "./record-context.ts";

/** A module function: the record's value, and its key and coordinates (operators/record-context.ts). */
export type RecordFn = (value: Record<string, unknown>, record: RecordContext) => unknown;

/** Imports the function a `module:` operator names. */
export async function loadModuleFunction(op: Operator & { module?: string }, baseDir = process.cwd()): Promise<RecordFn> {
  const [file, exportName] = op.module!.split("#");
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let mod: Record<string, unknown>;
  try {
    mod = await import(path);
  } catch (e) {
    throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": cannot load module ${path}: ${(e as Error).message}`);
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") throw new WeirError("TOPOLOGY_INVALID", `operator "${op.name}": ${path} has no exported function "${exportName}" (exports: ${Object.keys(mod).join(", ") || "none"})`);
  return fn as RecordFn;
}

/** A filter or map over envelopes that calls `fn`; a record whose call fails is handed to `onError` instead. */
export function moduleOperator(kind: "filter" | "map", fn: RecordFn, onError: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => {
    const out = fn(env.value, recordContext(env));
    if (out instanceof Promise) throw new Error("module operators must be synchronous (it returned a Promise)");
    if (kind === "filter") return out ? env : null;
    // A map that returns null or undefined drops the record; an array is a flatMap's job.
    if (out === null || out === undefined) return null;
    if (typeof out !== "object" || Array.isArray(out)) throw new Error(`a map must return an object (or null to drop the record), not ${Array.isArray(out) ? "an array (use flatMap)" : typeof out}`);
    return { ...env, value: out as Record<string, unknown> };
  }, onError);
}
