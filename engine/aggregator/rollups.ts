// Conversation rollups kept as actor-style state: fold each aggregated result in, and hand the
// runtime's state store a snapshot to persist (and restore after a restart or rebalance).
import type { AggregatedResult, Rollup } from "./aggregator.ts";
import { updateRollup } from "./aggregator.ts";

export interface RollupSnapshot {
  v: 1;
  rollups: Rollup[];
}

export class ConversationRollups {
  private readonly map = new Map<string, Rollup>();
  constructor(private readonly max = 50_000) {}

  /** Folds `r` into its conversation's rollup and returns the new rollup. */
  apply(r: AggregatedResult, now: number): Rollup {
    const k = `${r.tenant}\u0000${r.conversationId}`;
    const next = updateRollup(this.map.get(k), r, now);
    this.map.delete(k); // re-insert: the Map's order doubles as least-recently-updated eviction
    this.map.set(k, next);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return next;
  }

  get(tenant: string, conversationId: string): Rollup | undefined {
    return this.map.get(`${tenant}\u0000${conversationId}`);
  }

  size(): number {
    return this.map.size;
  }

  getPersistedSnapshot(): RollupSnapshot {
    return { v: 1, rollups: [...this.map.values()] };
  }

  restore(s: RollupSnapshot): void {
    this.map.clear();
    for (const r of s.rollups) this.map.set(`${r.tenant}\u0000${r.conversationId}`, r);
  }
}
