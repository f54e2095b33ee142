// dedupe: drops a record whose `by` field was already seen within the TTL. What was seen is
// partition-owned state in a changelogged store (`<group>-<operator>-dedupe-changelog`), restored
// when the partition is assigned, so a restart or a rebalance does not let duplicates through.
// Each entry remembers which record claimed the id: the same record read again after a crash (its
// offset was not committed yet) is a replay, not a duplicate, and goes through — otherwise the
// state, flushed ahead of the offsets, would drop the only copy whose work was lost.
import type { OperatorFunction } from "rxjs";
import { eachRecord } from "./each-record.ts";
import type { Clock } from "../clock.ts";
import type { StateStore } from "../state/state-store.ts";
import type { Envelope } from "../runtime/envelope.ts";
import { field } from "./field.ts";

interface Seen {
  /** Pipeline time the id was first seen. */
  t: number;
  /** topic:partition:offset of the record that claimed it. */
  o: string;
}

/** What one dedupe operator has seen, per partition, bounded by TTL and by key count. */
export class DedupeState {
  /** Ids per partition, oldest first, for expiry and the key bound. */
  private readonly aging = new Map<number, Array<[t: number, id: string]>>();
  private total = 0;

  constructor(
    readonly store: StateStore,
    private readonly ttlMs: number,
    private readonly maxKeys: number,
    private readonly clock: Clock,
  ) {}

  /** Whether the record is a duplicate; if not, it claims the id. */
  duplicate(env: Envelope, id: string): boolean {
    const now = this.clock.now();
    const p = env.partition;
    const coords = `${env.topic}:${p}:${env.offset}`;
    const seen = this.store.get<Seen>(p, id);
    if (seen && now - seen.t < this.ttlMs) return seen.o !== coords;
    this.store.put<Seen>(p, id, { t: now, o: coords });
    let ages = this.aging.get(p);
    if (!ages) this.aging.set(p, (ages = []));
    ages.push([now, id]);
    this.total++;
    this.expire(now);
    return false;
  }

  /** Rebuilds the age index of a restored partition. */
  assigned(partition: number): void {
    const ages: Array<[number, string]> = [];
    for (const [id, s] of this.store.entries<Seen>(partition)) ages.push([s.t, id]);
    ages.sort((a, b) => a[0] - b[0]);
    this.total += ages.length - (this.aging.get(partition)?.length ?? 0);
    this.aging.set(partition, ages);
    this.expire(this.clock.now());
  }

  revoked(partition: number): void {
    this.total -= this.aging.get(partition)?.length ?? 0;
    this.aging.delete(partition);
  }

  /** Forgets ids past the TTL, and the oldest ones past the key bound (a tombstone each). */
  private expire(now: number) {
    for (const [p, ages] of this.aging) {
      let i = 0;
      const over = () => this.total - i > this.maxKeys;
      while (i < ages.length && (now - ages[i][0] >= this.ttlMs || over())) {
        const [t, id] = ages[i++];
        // Claimed again since (a newer time): it ages from then.
        if (this.store.get<Seen>(p, id)?.t === t) this.store.delete(p, id);
      }
      if (i) {
        ages.splice(0, i);
        this.total -= i;
      }
    }
  }
}

/** Drops records whose `path` field `state` has seen within its TTL, releasing their branch. */
export function dedupeBy(path: string, state: DedupeState): OperatorFunction<Envelope, Envelope> {
  return eachRecord((env) => (state.duplicate(env, String(field(env.value, path))) ? null : env));
}
