// Per-key state that a stream folds into, as Kafka Streams' KTable: count, reduce, aggregate, and
// table (the latest value per key). The state is partition-owned in a changelogged store
// (`<group>-<operator>-store-changelog`), keyed by the record key — put a groupBy in front so every
// record of a key reaches one partition. Each update continues downstream as a record keyed like
// its input: count `{ key, count }`, reduce and aggregate `{ key, value }`, table the record itself.
// At-least-once, a crash can replay records whose update already reached the changelog (counted
// twice, as in Kafka Streams); a graceful stop or exactly-once never does.
import type { OperatorFunction } from "rxjs";
import { WeirError } from "../errors.ts";
import type { StateStore } from "../state/state-store.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { eachRecord, type OnRecordError } from "./each-record.ts";
import { recordContext, type RecordContext } from "./record-context.ts";

export type FoldFn = (acc: unknown, value: Record<string, unknown>, record: RecordContext) => unknown;

export type KeyedKind = { kind: "count" } | { kind: "table" } | { kind: "reduce"; fold: FoldFn } | { kind: "aggregate"; fold: FoldFn; initial: unknown };

/** One keyed-state operator's store and how a record updates it. */
export class KeyedState {
  constructor(
    readonly store: StateStore,
    readonly spec: KeyedKind,
  ) {}

  /** The value a key holds in a partition (what `table` lookups and joins read). */
  get(partition: number, key: string): unknown {
    const s = this.store.get<{ v: unknown }>(partition, key);
    return s?.v;
  }

  /** Folds one record in; returns what continues downstream. */
  apply(env: Envelope): Record<string, unknown> {
    const prev = this.store.get<{ v: unknown }>(env.partition, env.key);
    const spec = this.spec;
    let next: unknown;
    switch (spec.kind) {
      case "count":
        next = ((prev?.v as number | undefined) ?? 0) + 1;
        break;
      case "table":
        next = env.value;
        break;
      case "reduce":
        next = prev === undefined ? env.value : spec.fold(prev.v, env.value, recordContext(env));
        break;
      case "aggregate":
        next = spec.fold(prev === undefined ? structuredClone(spec.initial) : prev.v, env.value, recordContext(env));
        break;
    }
    if (next instanceof Promise) throw new WeirError("OPERATOR_FAILED", `${spec.kind} functions must be synchronous (it returned a Promise)`);
    if (next === undefined) throw new WeirError("OPERATOR_FAILED", `${spec.kind} function returned undefined`);
    this.store.put(env.partition, env.key, { v: next });
    if (spec.kind === "count") return { key: env.key, count: next };
    if (spec.kind === "table") return env.value;
    return { key: env.key, value: next };
  }
}

export function aggregateBy(state: KeyedState, onError: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => ({ ...env, value: state.apply(env) }), onError);
}

/** Enriches each record with its key's latest value in a table (`as`); `inner` drops records whose key has none. */
export function joinTable(table: KeyedState, as: string, inner: boolean): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => {
    const row = table.get(env.partition, env.key);
    return row === undefined && inner ? null : { ...env, value: { ...env.value, [as]: row ?? null } };
  });
}
