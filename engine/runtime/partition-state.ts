// Every stateful node's state, per partition this member owns: the stores (agents', the join's and
// rollups', dedupe, window, count/reduce/aggregate/table) and the in-memory indexes built over them.
// A partition is restored from its changelogs before any of its records is processed, released
// (indexes dropped, stores forgotten) when it goes to another member, and flushed before every
// commit — what Kafka Streams' ProcessorStateManager does for a task.
import type { Transport } from "../kafka/types.ts";
import type { StateStore } from "../state/state-store.ts";

/** A node that keeps an index over its store (open windows, dedupe ages, join deadlines). */
export interface PartitionHooks {
  assigned(partition: number): void;
  revoked(partition: number): void;
}

export class PartitionState {
  /** Partition numbers owned now (one number names partition p of every topic: join stages and groupBy read with the range assignor). */
  readonly owned = new Set<number>();
  /** Partitions being restored: the consume loop waits while any is. */
  readonly restoring = new Set<number>();
  private readonly parts: StateStore[] = [];
  private readonly hooks: PartitionHooks[] = [];

  constructor(
    private readonly groupId: string,
    private readonly transport: Transport,
  ) {}

  /** A node's stores, and the node itself when it keeps indexes over them. */
  register(stores: StateStore[], hooks?: PartitionHooks): void {
    this.parts.push(...stores);
    if (hooks) this.hooks.push(hooks);
  }

  stores(): StateStore[] {
    return this.parts;
  }

  /** Restores these partitions' state from the changelogs, then rebuilds the indexes over it. */
  async assign(partitions: number[]): Promise<void> {
    if (!partitions.length) return;
    for (const p of partitions) this.restoring.add(p);
    // One restore consumer for every store and partition of this assignment.
    const reader = this.transport.consumer({ groupId: `${this.groupId}-restore`, config: { "enable.partition.eof": true } });
    try {
      for (const p of partitions) {
        for (const store of this.parts) await store.restore(p, this.groupId, reader);
        this.owned.add(p);
        for (const h of this.hooks) h.assigned(p);
      }
    } finally {
      await reader.close().catch(() => {});
      for (const p of partitions) this.restoring.delete(p);
    }
  }

  /** Forgets a partition (after its final commit): indexes first, then the stores' memory and spill. */
  release(partition: number): void {
    this.owned.delete(partition);
    for (const h of this.hooks) h.revoked(partition);
    for (const store of this.parts) store.drop(partition);
  }

  flush(): Promise<void> {
    return Promise.all(this.parts.map((store) => store.flush())).then(() => {});
  }

  close(): void {
    for (const store of this.parts) store.close();
  }
}
