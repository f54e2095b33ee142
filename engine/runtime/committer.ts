// Commits a pipeline's progress. At-least-once: the contiguous processed prefix of each partition,
// after every state store has flushed (so a committed offset always has its state in the changelog).
// Exactly-once: stop taking records, let in-flight ones finish, and commit offsets, state and outputs
// in one Kafka transaction. A failed commit is retried at the next interval.
import type { Logger } from "../log.ts";
import { KafkaError } from "../errors.ts";
import type { Consumer, Producer } from "../kafka/types.ts";
import type { OffsetTracker } from "./offset-tracker.ts";
import { meters } from "./meters.ts";

export class Committer {
  /** Set while an exactly-once commit drains: the consume loop takes nothing new. */
  barrier = false;
  commits = 0;
  private committing: Promise<void> | null = null;

  constructor(
    private readonly o: {
      eos: boolean;
      tracker: OffsetTracker;
      consumer: () => Consumer;
      producer: () => Producer;
      /** Writes every state store's pending changes to its changelog. */
      flushState: () => Promise<void>;
      onCommit?: () => void;
      /**
       * An exactly-once commit failed in a way that aborts the transaction: its outputs, state and
       * offsets are gone, but this process already moved past its records. Only a restart from the
       * last commit is correct (Kafka Streams closes the task and rebuilds it the same way).
       */
      onAborted: (err: unknown) => void;
      log: Logger;
    },
  ) {}

  /**
   * Commits what is finished. With `fresh`, a commit already under way is awaited and another one
   * started, so everything finished before the call is included (revoke and stop need that; the
   * periodic timer does not).
   */
  commit(fresh = false): Promise<void> {
    if (this.committing) return fresh ? this.committing.then(() => this.commit(true)) : this.committing;
    const run = async () => {
      // Yield first so `committing` is set before the body can finish (and clear it).
      await Promise.resolve();
      try {
        if (this.o.eos) await this.commitTransaction();
        else {
          // Offsets first, then state: the flush writes every state change made so far, which
          // covers every record behind these offsets.
          const offsets = this.o.tracker.committable();
          await this.o.flushState();
          if (!offsets.length) return;
          await this.o.consumer().commit(offsets);
          this.o.tracker.markCommitted(offsets);
          this.counted();
        }
      } catch (e) {
        if (this.o.eos && mustAbort(e)) {
          await this.o.producer().abortTransaction().catch(() => {});
          this.o.onAborted(e);
        } else this.o.log.warn("commit failed; will retry", { error: e });
      } finally {
        this.committing = null;
      }
    };
    this.committing = run();
    return this.committing;
  }

  private async commitTransaction() {
    const { tracker, producer } = this.o;
    this.barrier = true;
    try {
      const deadline = Date.now() + 30_000;
      while (tracker.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      const offsets = tracker.committable();
      await this.o.flushState();
      if (offsets.length) await producer().sendOffsetsToTransaction(offsets, this.o.consumer());
      await producer().commitTransaction();
      tracker.markCommitted(offsets);
      this.counted();
      producer().beginTransaction();
    } finally {
      this.barrier = false;
    }
  }

  private counted() {
    this.commits++;
    this.o.onCommit?.();
    meters.commits.inc();
  }
}

/** Whether a failed transactional call left the transaction to be aborted (or the producer unusable). */
function mustAbort(e: unknown): boolean {
  return e instanceof KafkaError && (e.fatal || e.details?.txnRequiresAbort === true);
}
