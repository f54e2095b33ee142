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

export class OffsetTracker {
  /** topic → partition → state. Nested maps: begin/done run per record, and a string key per call showed up in profiles. */
  private readonly topics = new Map<string, Map<number, PartitionState>>();
  /** Records pending across all partitions; the backpressure check reads it per batch and per finished record. */
  private pendingTotal = 0;

  private get(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.get(partition);
  }

  private state(topic: string, partition: number): PartitionState {
    let parts = this.topics.get(topic);
    if (!parts) this.topics.set(topic, (parts = new Map()));
    let s = parts.get(partition);
    if (!s) parts.set(partition, (s = { topic, partition, pending: new Set(), highest: -1, committed: -1 }));
    return s;
  }

  private *all(): Iterable<PartitionState> {
    for (const parts of this.topics.values()) yield* parts.values();
  }

  /** A record entered the pipeline. */
  begin(topic: string, partition: number, offset: number): void {
    const s = this.state(topic, partition);
    if (!s.pending.has(offset)) this.pendingTotal++;
    s.pending.add(offset);
    if (offset > s.highest) s.highest = offset;
  }

  /** Every effect of the record is done. */
  done(topic: string, partition: number, offset: number): void {
    if (this.get(topic, partition)?.pending.delete(offset)) this.pendingTotal--;
  }

  /** The next offset that may be committed for one partition: the first unfinished one, or past the highest. */
  position(topic: string, partition: number): number {
    const s = this.get(topic, partition);
    if (!s) return -1;
    let min = Infinity;
    for (const o of s.pending) if (o < min) min = o;
    return min === Infinity ? s.highest + 1 : min;
  }

  /** Positions that moved since the last commit. */
  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const s of this.all()) {
      const pos = this.position(s.topic, s.partition);
      if (pos > s.committed && pos > 0) out.push({ topic: s.topic, partition: s.partition, offset: pos });
    }
    return out;
  }

  markCommitted(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const s = this.get(o.topic, o.partition);
      if (s && o.offset > s.committed) s.committed = o.offset;
    }
  }

  inFlight(tp?: TopicPartition): number {
    if (tp) return this.get(tp.topic, tp.partition)?.pending.size ?? 0;
    return this.pendingTotal;
  }

  /** Forgets partitions that were revoked (after their final commit). */
  drop(partitions: TopicPartition[]): void {
    for (const p of partitions) {
      const parts = this.topics.get(p.topic);
      const s = parts?.get(p.partition);
      if (!s) continue;
      this.pendingTotal -= s.pending.size;
      parts!.delete(p.partition);
    }
  }
}
