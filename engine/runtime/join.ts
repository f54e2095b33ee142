// The aggregator's join as partition-owned state, the way Kafka Streams keeps a join's windows in
// changelogged stores. A join lives in the partition of the message's source record (stage crossings
// keep that partition, and a join stage reads every input with the range assignor, so one member owns
// partition p of all of them); its entry (engine/aggregator/join-entry.ts) sits in a store backed by
// `<group>-<aggregator>-join-changelog`, and conversation rollups in `…-rollup-changelog`.
//
// Versions only go up, across members and restarts: before a version is published, the entry that
// carries it (and the rollup revision it folds into) is written to the changelog and acknowledged.
// An owner that takes the partition over restores it, re-arms the deadlines of open joins, and
// publishes again, unchanged, any version that may not have reached the sinks. A late output for a
// message whose join another member opened, published or finalised therefore amends that result
// instead of starting a second "version 1". Replayed outputs change nothing (join-entry.ts).
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Transport, Producer } from "../kafka/types.ts";
import { offer, publish, published, resultOf, type JoinEntry, type JoinSpec } from "../aggregator/join-entry.ts";
import type { StoredRollup } from "../aggregator/rollup.ts";
import type { AggregatedResultShape as AggregatedResult } from "../aggregator/schema.ts";
import type { BaseRollup as Rollup, RollupFold } from "../contracts/rollup.ts";
import { StateStore } from "../state/state-store.ts";
import { backoffMs } from "../backoff.ts";

export interface JoinOptions {
  inputs: string[];
  deadlineMs: number;
  /** How long a published join is remembered (late copies and replays are recognised within it). */
  retentionMs: number;
  conversationField: string;
  /** The per-conversation rollup's fold, if the aggregator keeps one. */
  rollup?: RollupFold;
  changelog: (suffix: string) => string;
  transport: Transport;
  producer: () => Producer;
  clock: Clock;
  log: Logger;
  /** Writes a published result, and the rollup it changed, to the aggregator's sinks; resolves once written. */
  emit(result: AggregatedResult, rollup: { value: Rollup; revision: number } | undefined, traceparent: string | undefined): Promise<void>;
  /** Set once the pipeline is closing: emissions stop retrying (a new owner publishes them). */
  closed: () => boolean;
}

/** The key a conversation's rollup is stored under: no two (tenant, conversation) pairs share one. */
export const rollupKey = (tenant: string, conversationId: string) => JSON.stringify([tenant, conversationId]);

export class Join {
  readonly entries: StateStore;
  readonly rollups: StateStore | null;
  private readonly spec: JoinSpec;
  private readonly timers = new Map<string, unknown>();
  /** Open joins per partition (for backpressure and the graceful stop). */
  private readonly open = new Map<number, Set<string>>();
  private openCount = 0;
  /** Published joins per partition, oldest first, for retention. */
  private readonly aging = new Map<number, Array<[at: number, id: string]>>();
  /** Emissions in progress, chained per conversation so its results and rollup revisions reach sinks in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private emitting = 0;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly o: JoinOptions) {
    this.spec = { inputs: o.inputs, conversationField: o.conversationField };
    this.entries = new StateStore(o.changelog("join"), o.transport, o.producer);
    this.rollups = o.rollup ? new StateStore(o.changelog("rollup"), o.transport, o.producer) : null;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1_000, o.retentionMs / 10)));
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** The stores to restore on assignment, flush before every commit and drop on revocation. */
  stores(): StateStore[] {
    return this.rollups ? [this.entries, this.rollups] : [this.entries];
  }

  /**
   * One input's output for a message (or its failure). Resolves once a result this offer published
   * has reached the sinks; undefined when it published nothing.
   */
  offer(partition: number, messageId: string, input: string, output: unknown, failed: boolean, message: Record<string, unknown>, traceparent?: string): Promise<void> | undefined {
    const prev = this.entries.get<JoinEntry>(partition, messageId);
    const d = offer(this.spec, prev, input, output, failed, message, this.o.clock.now(), traceparent);
    if (d.kind === "ignore") return undefined;
    if (d.kind === "store") {
      this.entries.put(partition, messageId, d.entry);
      if (!prev && !this.revokedParts.has(partition)) this.arm(partition, messageId, this.o.deadlineMs);
      return undefined;
    }
    return this.publish(partition, messageId, d.entry);
  }

  /** Joins still waiting for inputs, across owned partitions. */
  openJoins(): number {
    return this.openCount;
  }

  /** After the stores restored partition p: re-arm open joins, publish again what may not have reached the sinks. */
  assigned(partition: number): void {
    this.revokedParts.delete(partition);
    const ages: Array<[number, string]> = [];
    for (const [id, e] of this.entries.entries<JoinEntry>(partition)) {
      // A handover gives open joins a whole deadline again: their late inputs were in flight across it.
      if (e.s === "open") this.arm(partition, id, this.o.deadlineMs);
      else if (e.w === 0) void this.republish(partition, id, e);
      else ages.push([e.at, id]);
    }
    ages.sort((a, b) => a[0] - b[0]);
    this.aging.set(partition, ages);
  }

  /**
   * Partition p is going to another member: its deadlines stop here first, so no version is published
   * for it after the final commit (the new owner could restore before that write and publish its own).
   */
  revoked(partition: number): void {
    for (const id of [...(this.open.get(partition) ?? [])]) this.disarm(partition, id);
    this.open.delete(partition);
    this.aging.delete(partition);
    this.revokedParts.add(partition);
  }

  /** Partition p is owned (again). */
  private revokedParts = new Set<number>();

  /** The rollup of a conversation, if this member owns it. */
  rollup(tenant: string, conversationId: string, partitions: Iterable<number>): Rollup | undefined {
    if (!this.rollups) return undefined;
    for (const p of partitions) {
      const r = this.rollups.get<StoredRollup>(p, rollupKey(tenant, conversationId));
      if (r) return r.r;
    }
    return undefined;
  }

  /** Emissions under way (a graceful stop waits for them). */
  inProgress(): number {
    return this.emitting;
  }

  /** Stops deadlines (open joins stay in the store for the next owner) and the retention sweep. */
  stop(): void {
    for (const t of this.timers.values()) this.o.clock.clearTimeout(t);
    this.timers.clear();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private arm(partition: number, id: string, ms: number) {
    let set = this.open.get(partition);
    if (!set) this.open.set(partition, (set = new Set()));
    if (!set.has(id)) {
      set.add(id);
      this.openCount++;
    }
    const k = `${partition}:${id}`;
    this.o.clock.clearTimeout(this.timers.get(k));
    this.timers.set(
      k,
      this.o.clock.setTimeout(() => {
        this.timers.delete(k);
        const e = this.entries.get<JoinEntry>(partition, id);
        // Past the deadline an open join is published as partial, naming the missing inputs.
        if (e?.s === "open") void this.publish(partition, id, e);
      }, ms),
    );
  }

  private disarm(partition: number, id: string) {
    const k = `${partition}:${id}`;
    this.o.clock.clearTimeout(this.timers.get(k));
    this.timers.delete(k);
    if (this.open.get(partition)?.delete(id)) this.openCount--;
  }

  private publish(partition: number, id: string, current: JoinEntry): Promise<void> {
    const now = this.o.clock.now();
    const { entry, result, fresh } = publish(this.spec, current, id, now);
    this.disarm(partition, id);
    this.entries.put(partition, id, entry);
    let rollup: StoredRollup | undefined;
    let rkey: string | undefined;
    if (this.rollups) {
      rkey = rollupKey(result.tenant, result.conversationId);
      const prev = this.rollups.get<StoredRollup>(partition, rkey);
      rollup = { r: this.o.rollup!(prev?.r, result, fresh, now), rev: (prev?.rev ?? 0) + 1 };
      this.rollups.put(partition, rkey, rollup);
    }
    return this.deliver(partition, id, entry, result, rollup, rkey);
  }

  private republish(partition: number, id: string, e: JoinEntry): Promise<void> {
    const result = resultOf(this.spec, e, id);
    const rkey = this.rollups ? rollupKey(result.tenant, result.conversationId) : undefined;
    const rollup = rkey ? this.rollups!.get<StoredRollup>(partition, rkey) : undefined;
    return this.deliver(partition, id, e, result, rollup, rkey);
  }

  /** Makes the version durable, then writes it to the sinks, in order per conversation. */
  private deliver(partition: number, id: string, entry: JoinEntry, result: AggregatedResult, rollup: StoredRollup | undefined, rkey: string | undefined): Promise<void> {
    const chainKey = rkey ?? `m:${id}`;
    this.emitting++;
    const prev = this.chains.get(chainKey) ?? Promise.resolve();
    const run = prev.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await Promise.all([this.entries.flushKeys([[partition, id]]), rkey ? this.rollups!.flushKeys([[partition, rkey]]) : undefined]);
          break;
        } catch (e) {
          if (this.o.closed()) return;
          this.o.log.warn("join state write failed; retrying", { messageId: id, attempt: attempt + 1, error: e });
          await this.o.clock.sleep(backoffMs(attempt + 1, { initialMs: 100, maxMs: 5_000 }));
        }
      }
      await this.o.emit(result, rollup ? { value: rollup.r, revision: rollup.rev } : undefined, entry.tp);
      const cur = this.entries.get<JoinEntry>(partition, id);
      if (cur && cur.v === entry.v && cur.w === 0) {
        this.entries.put(partition, id, published(cur));
        let ages = this.aging.get(partition);
        if (!ages) this.aging.set(partition, (ages = []));
        ages.push([cur.at, id]);
      }
    });
    const tail = run.finally(() => {
      this.emitting--;
      if (this.chains.get(chainKey) === tail) this.chains.delete(chainKey);
    });
    this.chains.set(chainKey, tail);
    return tail;
  }

  /** Forgets published joins older than the retention (a tombstone each, so the changelog compacts them away). */
  private sweep() {
    const horizon = this.o.clock.now() - this.o.retentionMs;
    for (const [p, ages] of this.aging) {
      let i = 0;
      for (; i < ages.length && ages[i][0] < horizon; i++) {
        const id = ages[i][1];
        const e = this.entries.get<JoinEntry>(p, id);
        // Amended since (a newer `at`) or being republished: it ages from its newer time.
        if (e && e.w === 1 && e.s !== "open" && e.at < horizon) this.entries.delete(p, id);
      }
      if (i) ages.splice(0, i);
    }
  }
}
