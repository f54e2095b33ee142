// What a user of the support job reads after a run, checked the way they would check it:
// PostgreSQL's insights table (one row per message, status final or partial) and the results topic
// read from the beginning with a read_committed consumer. The checks are written so they can fail:
// a message with no row (lost), a row still `partial` once everything drained (stuck), and two
// records on the results topic with the same key, kind and weir.version but different values
// ("conflicting same-version results": a consumer that keeps the highest version per key would keep
// whichever came last, so two processes disagreeing under one version is a visible inconsistency).
import type { Sql } from "postgres";
import type { ConsumedMessage, Transport } from "../../engine/kafka/types.ts";
import { waitFor } from "./wait.ts";

const dec = new TextDecoder();

export interface Conflict {
  kind: string;
  key: string;
  version: string;
  /** Distinct values seen under that version (normalised JSON). */
  values: string[];
}

export interface Outcome {
  expected: number;
  /** Ids with a row in PostgreSQL whose status is final. */
  final: number;
  /** Ids whose PostgreSQL row is still partial after the wait. */
  stuckPartial: string[];
  /** Ids with no PostgreSQL row at all. */
  missingInDb: string[];
  /** Ids with no result of any status on the results topic. */
  missingOnTopic: string[];
  /** Ids with neither a PostgreSQL row nor a result on the topic. */
  lost: string[];
  /** Per-message results (weir.kind=message) with one version and different values. */
  conflicts: Conflict[];
  /** The same, for conversation rollups (reported, not part of the per-message contract). */
  rollupConflicts: Conflict[];
  /** Per-message result records read from the topic (duplicates included). */
  topicRecords: number;
  /** Ids whose final result appeared more than once on the topic (replays; allowed if identical). */
  duplicatedFinals: number;
}

/**
 * Fields that legitimately differ between two emissions of one version: none in a per-message
 * result (its `message` is the input, its outputs are deterministic agents); the rollup carries the
 * wall-clock `updatedAt` of its computation.
 */
const VOLATILE: Record<string, string[]> = { message: [], rollup: ["updatedAt"] };

function normalise(kind: string, value: string): string {
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    for (const f of VOLATILE[kind] ?? []) delete v[f];
    return JSON.stringify(sortKeys(v));
  } catch {
    return value;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function header(m: ConsumedMessage, name: string): string | undefined {
  const h = m.headers.find(([k]) => k === name);
  return h ? dec.decode(h[1]) : undefined;
}

/** Id → status of the insights rows of `tenant`. */
export async function insightStatuses(sql: Sql, tenant = "acme"): Promise<Map<string, string>> {
  const rows = await sql<{ message_id: string; status: string }[]>`SELECT message_id, status FROM insights WHERE tenant = ${tenant}`;
  return new Map(rows.map((r) => [r.message_id, r.status]));
}

/** Every record of `topic` from the beginning (read_committed), up to the end as it stands when reached. */
export async function readTopic(transport: Transport, topic: string, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const admin = transport.admin();
  const [desc] = await admin.describeTopics([topic]);
  await admin.close();
  const parts = desc.partitions.map((p) => ({ topic, partition: p.partition }));
  const c = transport.consumer({ groupId: `reader-${crypto.randomUUID()}`, config: { "isolation.level": "read_committed", "enable.partition.eof": true, "auto.offset.reset": "earliest" } });
  const out: ConsumedMessage[] = [];
  try {
    c.assign(parts.map((p) => ({ ...p, offset: 0 })));
    await waitFor(async () => {
      out.push(...(await c.consume(10_000, 200)));
      return parts.every((p) => c.atEnd(p));
    }, `the end of ${topic}`, timeoutMs, 0);
  } finally {
    await c.close();
  }
  return out;
}

/** Groups result records by (kind, key, weir.version) and returns the groups with more than one distinct value. */
export function sameVersionConflicts(records: ConsumedMessage[]): Conflict[] {
  const groups = new Map<string, Set<string>>();
  for (const m of records) {
    const kind = header(m, "weir.kind") ?? "record";
    const version = header(m, "weir.version") ?? "?";
    const key = m.key ? dec.decode(m.key) : "";
    const id = `${kind}\u0000${key}\u0000${version}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = new Set()));
    g.add(normalise(kind, m.value ? dec.decode(m.value) : ""));
  }
  const out: Conflict[] = [];
  for (const [id, values] of groups) {
    if (values.size < 2) continue;
    const [kind, key, version] = id.split("\u0000");
    out.push({ kind, key, version, values: [...values] });
  }
  return out;
}

export interface CheckOptions {
  sql: Sql;
  transport: Transport;
  resultsTopic: string;
  ids: Iterable<string>;
  tenant?: string;
  /** How long to wait for every id to be final in PostgreSQL before judging. Default 120 s. */
  settleMs?: number;
  /** Judge earlier when the number of final rows has not moved for this long (stuck). Default 25 s. */
  quietMs?: number;
}

/**
 * Waits (bounded) until every id has a final row in PostgreSQL, then reads both outputs and
 * reports. Never throws for a bad outcome: the caller asserts on the numbers, so a failure shows them.
 */
export async function checkOutcome(o: CheckOptions): Promise<Outcome> {
  const ids = [...new Set(o.ids)];
  let statuses = new Map<string, string>();
  let lastFinal = -1;
  let lastMove = Date.now();
  const quietMs = o.quietMs ?? 25_000;
  try {
    await waitFor(async () => {
      statuses = await insightStatuses(o.sql, o.tenant);
      const final = ids.filter((id) => statuses.get(id) === "final").length;
      if (final !== lastFinal) [lastFinal, lastMove] = [final, Date.now()];
      // Stuck: nothing became final for quietMs (partial results past their deadline stay partial).
      return final === ids.length || Date.now() - lastMove > quietMs;
    }, `${ids.length} final rows in PostgreSQL`, o.settleMs ?? 120_000, 250);
  } catch {
    // Judged below with what is there.
  }
  statuses = await insightStatuses(o.sql, o.tenant);
  const records = (await readTopic(o.transport, o.resultsTopic)).filter((m) => header(m, "weir.kind") === "message" || header(m, "weir.kind") === "rollup");
  const messages = records.filter((m) => header(m, "weir.kind") === "message");
  const onTopic = new Set(messages.map((m) => (m.key ? dec.decode(m.key) : "")));
  const finalsPerId = new Map<string, number>();
  for (const m of messages) {
    const v = JSON.parse(dec.decode(m.value!)) as { messageId: string; status: string };
    if (v.status === "final") finalsPerId.set(v.messageId, (finalsPerId.get(v.messageId) ?? 0) + 1);
  }
  const conflicts = sameVersionConflicts(records);
  return {
    expected: ids.length,
    final: ids.filter((id) => statuses.get(id) === "final").length,
    stuckPartial: ids.filter((id) => statuses.get(id) === "partial"),
    missingInDb: ids.filter((id) => !statuses.has(id)),
    missingOnTopic: ids.filter((id) => !onTopic.has(id)),
    lost: ids.filter((id) => !statuses.has(id) && !onTopic.has(id)),
    conflicts: conflicts.filter((c) => c.kind === "message"),
    rollupConflicts: conflicts.filter((c) => c.kind === "rollup"),
    topicRecords: messages.length,
    duplicatedFinals: [...finalsPerId.values()].filter((n) => n > 1).length,
  };
}

/** A one-line summary for logs and reports (ids truncated). */
export function summarise(o: Outcome): Record<string, unknown> {
  return {
    expected: o.expected,
    final: o.final,
    stuckPartial: o.stuckPartial.length,
    missingInDb: o.missingInDb.length,
    missingOnTopic: o.missingOnTopic.length,
    lost: o.lost.length,
    conflictingSameVersion: o.conflicts.length,
    rollupConflicts: o.rollupConflicts.length,
    topicRecords: o.topicRecords,
    duplicatedFinals: o.duplicatedFinals,
    examples: { stuckPartial: o.stuckPartial.slice(0, 5), lost: o.lost.slice(0, 5), conflict: o.conflicts[0] },
  };
}
