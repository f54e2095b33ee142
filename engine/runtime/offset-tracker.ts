// At-least-once bookkeeping: work on one partition finishes out of order (keys run concurrently),
// but Kafka commits a single position per partition. The tracker only ever offers the offset just
// past the contiguous prefix of finished records.
import type { TopicPartition, TopicPartitionOffset } from "../kafka/types.ts";

interface PartitionState {
  topic: string;
  partition: number;
  pending: Set<number>;
  /** Highest offset handed out so far. */
  highest: number;
  /** Next offset already committed (or -1). */
  committed: number;
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

export class OffsetTracker {
  private readonly parts = new Map<string, PartitionState>();

  private state(topic: string, partition: number): PartitionState {
    let s = this.parts.get(key(topic, partition));
    if (!s) this.parts.set(key(topic, partition), (s = { topic, partition, pending: new Set(), highest: -1, committed: -1 }));
    return s;
  }

  /** A record entered the pipeline. */
  begin(topic: string, partition: number, offset: number): void {
    const s = this.state(topic, partition);
    s.pending.add(offset);
    if (offset > s.highest) s.highest = offset;
  }

  /** Every effect of the record is done. */
  done(topic: string, partition: number, offset: number): void {
    this.parts.get(key(topic, partition))?.pending.delete(offset);
  }

  /** The next offset that may be committed for one partition: the first unfinished one, or past the highest. */
  position(topic: string, partition: number): number {
    const s = this.parts.get(key(topic, partition));
    if (!s) return -1;
    let min = Infinity;
    for (const o of s.pending) if (o < min) min = o;
    return min === Infinity ? s.highest + 1 : min;
  }

  /** Positions that moved since the last commit. */
  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const s of this.parts.values()) {
      const pos = this.position(s.topic, s.partition);
      if (pos > s.committed && pos > 0) out.push({ topic: s.topic, partition: s.partition, offset: pos });
    }
    return out;
  }

  markCommitted(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const s = this.parts.get(key(o.topic, o.partition));
      if (s && o.offset > s.committed) s.committed = o.offset;
    }
  }

  inFlight(tp?: TopicPartition): number {
    if (tp) return this.parts.get(key(tp.topic, tp.partition))?.pending.size ?? 0;
    let n = 0;
    for (const s of this.parts.values()) n += s.pending.size;
    return n;
  }

  /** Forgets partitions that were revoked (after their final commit). */
  drop(partitions: TopicPartition[]): void {
    for (const p of partitions) this.parts.delete(key(p.topic, p.partition));
  }
}
