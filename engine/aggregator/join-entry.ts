// One message's join, as the value kept in the join's changelogged store: what arrived so far, the
// version last published, and whether that version is known to have reached the sinks. Pure
// functions decide what an arriving output or a deadline does to it; the runtime (engine/runtime/
// join.ts) stores the entry, arms its deadline and publishes. Keeping the decision here, with no I/O,
// is what lets a restarted or new owner of the partition continue a join exactly where it stopped.
import type { AggregatedResultShape as AggregatedResult } from "./schema.ts";

export type JoinStatus = "open" | "partial" | "final";

export interface JoinEntry {
  /** The message as the first aggregator input saw it (after any redaction step). Absent once final and published. */
  m?: Record<string, unknown>;
  /** Outputs by input name. */
  o?: Record<string, unknown>;
  /** Inputs that failed for good. */
  f?: string[];
  /** Version last published (0 before the first). */
  v: number;
  s: JoinStatus;
  /** Pipeline time of the last change: deadlines and retention count from it. */
  at: number;
  /** 0 while version v may not have reached the sinks yet (a new owner publishes it again, unchanged). */
  w: 0 | 1;
  /** Inputs included in the version last published (the rollup folds only what is new). */
  e?: string[];
  /** W3C trace context of the message, carried to the results. */
  tp?: string;
}

export interface JoinSpec {
  inputs: string[];
  /** Field of the message that names its conversation. */
  conversationField: string;
}

export type Offer = { kind: "ignore" } | { kind: "store"; entry: JoinEntry } | { kind: "publish"; entry: JoinEntry };

/**
 * What an input's output (or its failure) does to a join. A repeated output — a replay after a
 * restart, or a second copy of a stage crossing — changes nothing, so replays never mint versions.
 */
export function offer(spec: JoinSpec, prev: JoinEntry | undefined, input: string, output: unknown, failed: boolean, message: Record<string, unknown>, now: number, traceparent?: string): Offer {
  if (!spec.inputs.includes(input)) return { kind: "ignore" };
  if (prev?.s === "final") return { kind: "ignore" };
  if (prev && (prev.o?.[input] !== undefined || prev.f?.includes(input))) return { kind: "ignore" };
  const base: JoinEntry = prev ?? { m: message, o: {}, f: [], v: 0, s: "open", at: now, w: 1, ...(traceparent ? { tp: traceparent } : {}) };
  const entry: JoinEntry = { ...base, o: failed ? { ...base.o } : { ...base.o, [input]: output ?? null }, f: failed ? [...(base.f ?? []), input] : [...(base.f ?? [])], at: now };
  const complete = missing(spec, entry).length === 0;
  // Open: publish once complete. Partial: every new output is an amendment.
  return entry.s === "open" && !complete ? { kind: "store", entry } : { kind: "publish", entry };
}

/** Inputs that have neither an output nor a failure yet. */
export function missing(spec: JoinSpec, e: JoinEntry): string[] {
  return spec.inputs.filter((a) => e.o?.[a] === undefined && !e.f?.includes(a));
}

/** The next version of a join and the result that publishes it. */
export function publish(spec: JoinSpec, e: JoinEntry, messageId: string, now: number): { entry: JoinEntry; result: AggregatedResult; fresh: string[] } {
  const miss = missing(spec, e);
  const included = spec.inputs.filter((a) => e.o?.[a] !== undefined);
  const fresh = included.filter((a) => !e.e?.includes(a));
  const entry: JoinEntry = { ...e, v: e.v + 1, s: miss.length ? "partial" : "final", w: 0, e: included, at: now };
  return { entry, result: resultOf(spec, entry, messageId), fresh };
}

/** The result a stored entry stands for (the same entry always gives the same result). */
export function resultOf(spec: JoinSpec, e: JoinEntry, messageId: string): AggregatedResult {
  const m = e.m ?? {};
  return {
    messageId,
    conversationId: String(m[spec.conversationField] ?? ""),
    tenant: String(m.tenant ?? "default"),
    version: e.v,
    status: e.s === "final" ? "final" : "partial",
    missing: missing(spec, e),
    failed: [...(e.f ?? [])],
    outputs: Object.fromEntries(spec.inputs.filter((a) => e.o?.[a] !== undefined).map((a) => [a, e.o![a]])),
    message: m,
  };
}

/** Once a version has reached the sinks: a final join keeps only what stops replays and late copies reopening it. */
export function published(e: JoinEntry): JoinEntry {
  return e.s === "final" ? { v: e.v, s: "final", at: e.at, w: 1 } : { ...e, w: 1 };
}
