// Actor state per key, kept in memory for the partitions this process owns and backed by a
// compacted changelog topic co-partitioned with the source: state for a key read from source
// partition p is written to changelog partition p. When p is assigned (restart, rebalance,
// scale-out) its changelog partition is replayed before any record of p is processed.
// Writes are coalesced: put() changes memory and marks the key dirty, and flush() — which the
// runtime calls before every offset commit — writes the latest state of each dirty key as one
// batch. A committed offset therefore always has its state in the changelog, an actor never waits
// for a broker round trip between two messages, and a hot key costs one changelog record per
// commit interval instead of one per message.
// Memory is bounded: past `maxKeysInMemory` keys the least recently written ones move to an SQLite
// spill file on local disk (spill-file.ts) and come back on their next read, so a key space that
// keeps growing (conversations) does not grow the heap with it.
import type { Consumer, Producer, Transport } from "../kafka/types.ts";
import { KafkaError, WeirError } from "../errors.ts";
import { ERR } from "../kafka/native.ts";
import { SpillFile } from "./spill-file.ts";
import { logger } from "../log.ts";
import { metrics } from "../observability/metrics.ts";

const restoreSeconds = metrics.histogram("weir_state_restore_seconds", "Time to restore one partition of actor state from its changelog");
const restoredKeys = metrics.counter("weir_state_restored_keys_total", "Keys restored from changelogs");
const dec = new TextDecoder();

/** Marks a key deleted in the dirty set: the flush writes a tombstone. */
const TOMBSTONE = Symbol("tombstone");

export interface StateStoreOptions {
  /** Keys held in memory across this store's partitions before the oldest written go to disk. */
  maxKeysInMemory?: number;
  /**
   * How long restore() waits for the changelog partition to become readable (a topic created a
   * moment ago, a leader being elected) before failing with STATE_RESTORE_FAILED. Default 60 000 ms
   * (WEIR_STATE_RESTORE_READY_MS).
   */
  restoreReadyTimeoutMs?: number;
}

/**
 * Errors meaning "the partition is not readable yet": retriable ones (leadership, transport) and,
 * here only, an unknown topic or partition — the changelog may be created at this very moment.
 */
const NOT_READY_YET = new Set<number>([ERR._UNKNOWN_PARTITION, ERR._UNKNOWN_TOPIC, ERR.UNKNOWN_TOPIC_OR_PART]);
const notReadyYet = (e: unknown): boolean => e instanceof WeirError && (e.retriable || (e instanceof KafkaError && NOT_READY_YET.has(e.kafkaCode)));

export class StateStore {
  /** In memory, per partition, least recently written first. */
  private readonly parts = new Map<number, Map<string, unknown>>();
  private dirty = new Map<number, Map<string, unknown>>();
  private readonly log = logger("state");
  private readonly maxKeys: number;
  private inMemory = 0;
  private spill: SpillFile | null = null;
  private spilled = 0;
  private readonly restoreReadyMs: number;

  constructor(
    readonly changelog: string,
    private readonly transport: Transport,
    private readonly producer: () => Producer,
    opts: StateStoreOptions = {},
  ) {
    this.maxKeys = opts.maxKeysInMemory ?? Number(process.env.WEIR_STATE_MEMORY_KEYS ?? 100_000);
    this.restoreReadyMs = opts.restoreReadyTimeoutMs ?? Number(process.env.WEIR_STATE_RESTORE_READY_MS ?? 60_000);
  }

  get<S>(partition: number, key: string): S | undefined {
    const v = this.parts.get(partition)?.get(key);
    if (v !== undefined || !this.spilled) return v as S | undefined;
    const json = this.spill!.get(partition, key);
    if (json === undefined) return undefined;
    // Back into memory (it is about to be written anyway); the spilled copy goes.
    this.spill!.delete(partition, key);
    this.spilled--;
    const state = JSON.parse(json);
    this.remember(partition, key, state);
    return state as S;
  }

  /** Sets the state of a key; it reaches the changelog at the next flush(). */
  put<S>(partition: number, key: string, state: S): void {
    this.remember(partition, key, state);
    this.markDirty(partition, key, state);
  }

  /** Removes a key; a tombstone reaches the changelog at the next flush(). */
  delete(partition: number, key: string): void {
    this.forget(partition, key);
    this.markDirty(partition, key, TOMBSTONE);
  }

  private markDirty(partition: number, key: string, state: unknown) {
    let d = this.dirty.get(partition);
    if (!d) this.dirty.set(partition, (d = new Map()));
    d.set(key, state);
  }

  /**
   * Writes the current state of some keys to the changelog now, without waiting for the next commit,
   * and resolves once the broker has them (a flush already under way is awaited first, so nothing
   * older can land after them). Joins use it to make a result's version durable before the result
   * is published: a restarted owner then never publishes a different result under the same version.
   */
  async flushKeys(keys: Array<[partition: number, key: string]>): Promise<void> {
    // Keys asked for in one turn of the event loop go out as one batch (one produce call).
    for (const k of keys) this.asked.push(k);
    this.askedRun ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        const batch = this.asked;
        this.asked = [];
        this.askedRun = null;
        this.writeKeys(batch).then(resolve, reject);
      }),
    );
    return this.askedRun;
  }

  private asked: Array<[number, string]> = [];
  private askedRun: Promise<void> | null = null;

  private async writeKeys(keys: Array<[number, string]>): Promise<void> {
    if (this.flushing) await this.flushing.catch(() => {});
    const taken = new Map<number, Map<string, unknown>>();
    for (const [partition, key] of keys) {
      const d = this.dirty.get(partition);
      if (!d?.has(key)) continue;
      let t = taken.get(partition);
      if (!t) taken.set(partition, (t = new Map()));
      t.set(key, d.get(key));
      d.delete(key);
    }
    if (taken.size) await this.send(taken);
  }

  /** Holds a key in memory as the most recently written, moving the oldest to disk past the bound. */
  private remember(partition: number, key: string, state: unknown) {
    let m = this.parts.get(partition);
    if (!m) this.parts.set(partition, (m = new Map()));
    if (m.has(key)) m.delete(key);
    else this.inMemory++;
    m.set(key, state);
    if (this.inMemory > this.maxKeys) this.evict();
  }

  /** Moves the least recently written tenth of the bound to the spill file, from each partition in proportion. */
  private evict() {
    const target = Math.floor(this.maxKeys * 0.9);
    const excess = this.inMemory - target;
    const rows: Array<[number, string, string]> = [];
    for (const [partition, m] of this.parts) {
      let n = Math.ceil((excess * m.size) / this.inMemory);
      for (const [key, state] of m) {
        if (n-- <= 0) break;
        rows.push([partition, key, JSON.stringify(state)]);
        m.delete(key);
      }
    }
    (this.spill ??= new SpillFile()).write(rows);
    this.inMemory -= rows.length;
    this.spilled += rows.length;
  }

  private flushing: Promise<void> | null = null;

  /** Writes every dirty key's latest state to the changelog; resolves when all are acknowledged. */
  async flush(): Promise<void> {
    if (!this.dirty.size) return this.flushing ?? undefined;
    const batch = this.dirty;
    this.dirty = new Map();
    const run = this.send(batch);
    this.flushing = run;
    try {
      await run;
    } finally {
      if (this.flushing === run) this.flushing = null;
    }
  }

  private async send(batch: Map<number, Map<string, unknown>>): Promise<void> {
    const records = [...batch].flatMap(([partition, keys]) => [...keys].map(([key, state]) => ({ topic: this.changelog, partition, key, value: state === TOMBSTONE ? null : JSON.stringify(state) })));
    if (!records.length) return;
    const reports = await this.producer().send(records).catch((e) => records.map(() => ({ error: e })));
    const failed = reports.findIndex((r) => r.error);
    if (failed >= 0) {
      // Put back what is not newer in memory already, so the next flush writes it.
      for (const [partition, keys] of batch) {
        const d = this.dirty.get(partition) ?? new Map();
        for (const [key, state] of keys) if (!d.has(key)) d.set(key, state);
        this.dirty.set(partition, d);
      }
      throw reports[failed].error;
    }
  }

  /** Every key of a partition with its state, in memory and spilled (restored stores rebuild their indexes with it). */
  *entries<S>(partition: number): Iterable<[string, S]> {
    const m = this.parts.get(partition);
    if (m) for (const [k, v] of [...m]) yield [k, v as S];
    if (this.spilled) for (const [k, json] of this.spill!.entries(partition)) yield [k, JSON.parse(json) as S];
  }

  /** Keys waiting for a flush. */
  pending(): number {
    let n = 0;
    for (const d of this.dirty.values()) n += d.size;
    return n;
  }

  /** Replays changelog partition `partition` up to its end. */
  /**
   * Replays changelog partition `partition` up to its end. `shared` is a restore consumer the caller
   * owns and reuses across stores and partitions (creating and closing a librdkafka consumer per
   * store and partition cost seconds of a rebalance); without it one is made for the call.
   */
  async restore(partition: number, groupId: string, shared?: Consumer): Promise<number> {
    const stop = restoreSeconds.startTimer({ changelog: this.changelog });
    // The changelog is the truth: whatever this process held for the partition goes first.
    this.drop(partition);
    // Partition EOF marks the end: a changelog written in transactions (exactly-once) ends with
    // commit markers, so its last record's offset never reaches the high watermark.
    const c = shared ?? this.transport.consumer({ groupId: `${groupId}-restore`, config: { "enable.partition.eof": true } });
    try {
      const { high, low } = await this.readableWatermarks(c, partition);
      if (high > low) {
        c.assign([{ topic: this.changelog, partition, offset: low }]);
        let next = low;
        // Stop only when nothing arrives for a minute (a broker away); a long restore that progresses goes on.
        let stallDeadline = Date.now() + 60_000;
        // A large changelog takes a while: say how far it got every 5 s.
        let reportAt = Date.now() + 5_000;
        const tp = { topic: this.changelog, partition };
        while (next < high && !c.atEnd(tp) && Date.now() < stallDeadline) {
          if (Date.now() >= reportAt) {
            reportAt = Date.now() + 5_000;
            this.log.info("restoring state", { changelog: this.changelog, partition, offset: next, of: high, percent: Math.floor(((next - low) / (high - low)) * 100) });
          }
          for (const msg of await c.consume(10_000, 200)) {
            // A shared restore consumer may still hand back what it prefetched for the store before.
            if (msg.topic !== this.changelog || msg.partition !== partition) continue;
            next = msg.offset + 1;
            stallDeadline = Date.now() + 60_000;
            if (!msg.key) continue;
            const k = dec.decode(msg.key);
            if (msg.value === null) this.forget(partition, k);
            else this.remember(partition, k, JSON.parse(dec.decode(msg.value)));
          }
        }
        if (next < high && !c.atEnd(tp)) this.log.warn("changelog restore stopped before the end", { changelog: this.changelog, partition, next, high });
      }
    } finally {
      if (!shared) await c.close();
    }
    const keys = this.keys(partition);
    restoredKeys.inc({ changelog: this.changelog }, keys);
    const secs = stop();
    this.log.debug("state restored", { changelog: this.changelog, partition, keys, seconds: +secs.toFixed(3) });
    return keys;
  }

  /**
   * The changelog partition's watermarks once it can be read. Right after the changelog is created
   * (first start, or a restart racing topic creation) the query fails with NOT_LEADER_FOR_PARTITION
   * or an unknown partition for a while; giving up then would process the partition with no state.
   * So: retry with backoff, say so every few seconds, and past the bound throw STATE_RESTORE_FAILED.
   */
  private async readableWatermarks(c: Consumer, partition: number): Promise<{ low: number; high: number }> {
    const started = Date.now();
    const deadline = started + this.restoreReadyMs;
    let wait = 50;
    let attempts = 0;
    let reportAt = 0;
    for (;;) {
      attempts++;
      try {
        return await c.watermarks(this.changelog, partition, Math.max(100, Math.min(5_000, deadline - Date.now())));
      } catch (e) {
        const retry = notReadyYet(e);
        if (!retry || Date.now() >= deadline) {
          const why = retry ? `not readable within ${this.restoreReadyMs} ms` : "cannot be read";
          throw new WeirError("STATE_RESTORE_FAILED", `changelog ${this.changelog}[${partition}] ${why}; refusing to process the partition without its state`, {
            cause: e,
            retriable: retry,
            details: { changelog: this.changelog, partition, attempts, waitedMs: Date.now() - started, lastError: (e as Error).message },
          });
        }
        if (attempts === 1 || Date.now() >= reportAt) {
          reportAt = Date.now() + 5_000;
          this.log[attempts === 1 ? "info" : "warn"]("changelog not readable yet; retrying", {
            changelog: this.changelog, partition, attempts, waitedMs: Date.now() - started, boundMs: this.restoreReadyMs, error: (e as Error).message,
          });
        }
        await new Promise((r) => setTimeout(r, Math.min(wait, deadline - Date.now())));
        wait = Math.min(wait * 2, 1_000);
      }
    }
  }

  /** Removes a key (a tombstone in the changelog). */
  private forget(partition: number, key: string) {
    if (this.parts.get(partition)?.delete(key)) this.inMemory--;
    else if (this.spilled && this.spill!.delete(partition, key)) this.spilled--;
  }

  /** Forgets a partition this process no longer owns (after its final flush). */
  drop(partition: number): void {
    this.inMemory -= this.parts.get(partition)?.size ?? 0;
    this.parts.delete(partition);
    this.dirty.delete(partition);
    if (this.spill) {
      this.spilled -= this.spill.count(partition);
      this.spill.dropPartition(partition);
    }
  }

  /** Keys of a partition, in memory and spilled. */
  keys(partition: number): number {
    return (this.parts.get(partition)?.size ?? 0) + (this.spill?.count(partition) ?? 0);
  }

  /** Keys held in memory across partitions (bounded by maxKeysInMemory). */
  keysInMemory(): number {
    return this.inMemory;
  }

  /** Keys in the spill file on disk. */
  keysSpilled(): number {
    return this.spilled;
  }

  close(): void {
    this.spill?.close();
    this.spill = null;
    this.spilled = 0;
  }
}
