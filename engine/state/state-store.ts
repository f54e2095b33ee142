// Actor state per key, kept in memory for the partitions this process owns and backed by a
// compacted changelog topic co-partitioned with the source: state for a key read from source
// partition p is written to changelog partition p. When p is assigned (restart, rebalance,
// scale-out) its changelog partition is replayed before any record of p is processed.
import type { Producer, Transport } from "../kafka/types.ts";
import { logger } from "../log.ts";
import { metrics } from "../observability/metrics.ts";

const restoreSeconds = metrics.histogram("weir_state_restore_seconds", "Time to restore one partition of actor state from its changelog");
const restoredKeys = metrics.counter("weir_state_restored_keys_total", "Keys restored from changelogs");
const dec = new TextDecoder();

export class StateStore {
  private readonly parts = new Map<number, Map<string, unknown>>();
  private readonly log = logger("state");

  constructor(
    readonly changelog: string,
    private readonly transport: Transport,
    private readonly producer: () => Producer,
  ) {}

  get<S>(partition: number, key: string): S | undefined {
    return this.parts.get(partition)?.get(key) as S | undefined;
  }

  /** Writes the state locally and to the changelog; resolves when the changelog write is acknowledged. */
  async put<S>(partition: number, key: string, state: S): Promise<void> {
    let m = this.parts.get(partition);
    if (!m) this.parts.set(partition, (m = new Map()));
    m.set(key, state);
    const [r] = await this.producer().send([{ topic: this.changelog, partition, key, value: JSON.stringify(state) }]);
    if (r.error) throw r.error;
  }

  /** Replays changelog partition `partition` up to its end. */
  async restore(partition: number, groupId: string): Promise<number> {
    const stop = restoreSeconds.startTimer({ changelog: this.changelog });
    const m = new Map<string, unknown>();
    const c = this.transport.consumer({ groupId: `${groupId}-restore`, config: { "enable.partition.eof": false } });
    try {
      const { high, low } = await c.watermarks(this.changelog, partition);
      if (high > low) {
        c.assign([{ topic: this.changelog, partition, offset: low }]);
        let next = low;
        const deadline = Date.now() + 120_000;
        while (next < high && Date.now() < deadline) {
          for (const msg of await c.consume(10_000, 200)) {
            next = msg.offset + 1;
            if (!msg.key) continue;
            const k = dec.decode(msg.key);
            if (msg.value === null) m.delete(k);
            else m.set(k, JSON.parse(dec.decode(msg.value)));
          }
        }
        if (next < high) this.log.warn("changelog restore stopped before the end", { changelog: this.changelog, partition, next, high });
      }
    } finally {
      await c.close();
    }
    this.parts.set(partition, m);
    restoredKeys.inc({ changelog: this.changelog }, m.size);
    const secs = stop();
    this.log.info("state restored", { changelog: this.changelog, partition, keys: m.size, seconds: +secs.toFixed(3) });
    return m.size;
  }

  drop(partition: number): void {
    this.parts.delete(partition);
  }

  keys(partition: number): number {
    return this.parts.get(partition)?.size ?? 0;
  }
}
