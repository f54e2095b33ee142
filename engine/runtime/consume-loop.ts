// The consume loop of one pipeline: pulls batches from the consumer, applies backpressure, and hands
// records to the pipeline. Past the high watermark it stops pulling until in-flight work falls below
// the low one; librdkafka's prefetch is bounded (queued.max.messages.kbytes), so the broker is held
// off too. (Pausing partitions instead makes librdkafka discard what it prefetched; in the engine
// bench that cost three quarters of the throughput.)
// A stage whose aggregator waits for outputs coming back from another stage must keep reading those
// crossings while it holds back: it holds only its own sources (waiting for everything would
// deadlock until the aggregator's deadline). A graceful stop uses the same hold: it stops taking
// new records from the sources and keeps reading crossings until what is in flight has finished.
import type { Logger } from "../log.ts";
import type { ConsumedMessage, Consumer, TopicPartition } from "../kafka/types.ts";
import { meters } from "./meters.ts";

export interface Flow {
  /** How many more records may come in now. */
  room(): number;
  /** Whether a loop waiting for room may resume (below the low watermarks). */
  canResume(): boolean;
  /** Whether the loop must wait (a rebalance restoring state, an exactly-once commit draining). */
  paused(): boolean;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export class ConsumeLoop {
  /** How often the loop stopped pulling for backpressure (tests and the dashboard read it). */
  backpressured = 0;
  /** Source records that arrived while their partitions were held and waited for the hold to end. */
  deferredRecords = 0;
  private running = false;
  private draining = false;
  private done: Promise<void> | null = null;
  private belowLow: (() => void) | null = null;
  private held: TopicPartition[] = [];
  private deferred: ConsumedMessage[] = [];

  constructor(
    private readonly o: {
      consumer: () => Consumer;
      flow: Flow;
      /** Topics read from another stage that feed this stage's join: read on while the sources are held. */
      joinTopics: Set<string>;
      /** Every topic read from another stage: read on while a graceful stop drains. */
      crossingTopics: Set<string>;
      ingest: (batch: ConsumedMessage[]) => void;
      log: Logger;
    },
  ) {}

  start(): void {
    this.running = true;
    this.done = this.loop();
  }

  /** Stops taking records from the sources; crossings from other stages are still read (see drain in pipeline.ts). */
  drain(): void {
    this.draining = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.belowLow?.();
    await this.done;
  }

  /** Called as work finishes: wakes a loop waiting for room. */
  wake(): void {
    if (this.belowLow && (this.draining || this.o.flow.canResume())) {
      const wake = this.belowLow;
      this.belowLow = null;
      wake();
    }
  }

  /** Deferred records of revoked partitions are another member's now (nothing of them was begun or committed). */
  revoked(parts: TopicPartition[]): void {
    if (!this.deferred.length) return;
    const gone = new Set(parts.map(tpKey));
    this.deferred = this.deferred.filter((msg) => !gone.has(tpKey(msg)));
  }

  private async loop() {
    const { flow } = this.o;
    while (this.running) {
      if (flow.paused()) {
        // A real-time yield, not pipeline time: a ManualClock must not be able to stall the loop.
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const keep = this.draining ? this.o.crossingTopics : this.o.joinTopics;
      if (this.draining && !keep.size) {
        // Nothing to read on while draining: wait to be stopped.
        await new Promise<void>((r) => (this.belowLow = r));
        continue;
      }
      const room = flow.room();
      if (room <= 0 && !keep.size) {
        meters.backpressure.set(undefined, 1);
        this.backpressured++;
        await new Promise<void>((r) => (this.belowLow = r));
        meters.backpressure.set(undefined, 0);
        continue;
      }
      if (keep.size) {
        const full = this.draining || room <= 0 || (this.held.length > 0 && !flow.canResume());
        // Deferred records come in first, no faster than the watermark allows; the sources stay held
        // until they are all in, so the partitions' order is kept.
        if (!full && this.deferred.length) this.o.ingest(this.deferred.splice(0, Math.min(room, 5000)));
        this.hold(full || this.deferred.length > 0, keep);
      }
      let batch: ConsumedMessage[];
      try {
        batch = await this.o.consumer().consume(this.held.length ? 5000 : Math.min(5000, room), 200);
      } catch (e) {
        this.o.log.error("consume failed", { error: e });
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (this.held.length && batch.length) {
        // Records of held sources that were already on their way out wait here, in order, until the hold ends.
        const through: ConsumedMessage[] = [];
        for (const msg of batch) (keep.has(msg.topic) ? through : this.deferred).push(msg);
        this.deferredRecords += batch.length - through.length;
        batch = through;
      }
      if (batch.length) this.o.ingest(batch);
    }
  }

  /**
   * Holds (or releases) delivery of the assigned partitions of every topic not in `keep`. Holding
   * keeps what librdkafka prefetched (pause() would drop it and wait on each partition's broker
   * thread: ~5 % of the support topology's time in a profile).
   */
  private hold(hold: boolean, keep: Set<string>) {
    const consumer = this.o.consumer();
    if (hold) {
      const heldNow = new Set(this.held.map(tpKey));
      const more = consumer.assignment().filter((tp) => !keep.has(tp.topic) && !heldNow.has(tpKey(tp)));
      if (!more.length) return;
      if (!this.held.length) {
        meters.backpressure.set(undefined, 1);
        this.backpressured++;
      }
      consumer.holdDelivery(more);
      this.held.push(...more);
    } else if (this.held.length) {
      const still = new Set(consumer.assignment().map(tpKey));
      consumer.resumeDelivery(this.held.filter((tp) => still.has(tpKey(tp))));
      this.held = [];
      meters.backpressure.set(undefined, 0);
    }
  }
}
