// Dead letters: the original record (key, value, headers) plus headers saying which stage failed,
// why, after how many attempts, and where the record came from. A poison record goes here and its
// partition moves on.
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import { toWeirError, type WeirError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ProduceRecord, Producer } from "../kafka/types.ts";
import type { Envelope } from "./envelope.ts";

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: number;
  key: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers: Array<[string, Uint8Array | string]>;
}

export function deadLetter(dlqTopic: string, src: DeadLetterSource, stage: string, err: WeirError, attempts: number): ProduceRecord {
  return {
    topic: dlqTopic,
    key: src.key,
    value: src.value,
    headers: [
      ...src.headers.filter(([k]) => !k.startsWith("weir.dlq.")),
      ["weir.dlq.stage", stage],
      ["weir.dlq.error.code", err.code],
      ["weir.dlq.error.message", err.message.slice(0, 2000)],
      ["weir.dlq.attempts", String(attempts)],
      ["weir.dlq.source.topic", src.topic],
      ["weir.dlq.source.partition", String(src.partition)],
      ["weir.dlq.source.offset", String(src.offset)],
      ["weir.dlq.time", new Date().toISOString()],
    ],
  };
}

/**
 * Writes dead letters. Losing one would lose its record, so a failed produce is retried until it
 * succeeds or the pipeline closes (the record's partition stays uncommitted meanwhile).
 */
export class DeadLetterWriter {
  constructor(
    private readonly o: {
      topic: string | undefined;
      producer: () => Producer;
      clock: Clock;
      log: Logger;
      closed: () => boolean;
      onDeadLetter: (stage: string) => void;
    },
  ) {}

  /** The dead letter of a record: as consumed, or — once a redaction step rewrote it — as rewritten, so no original value leaves past that step. */
  static sourceOf(env: Envelope): DeadLetterSource {
    if (!env.rewrittenBy) return env.raw;
    return { ...env.raw, value: JSON.stringify(env.value), headers: [...env.raw.headers, ["weir.dlq.rewritten-by", new TextEncoder().encode(env.rewrittenBy)]] };
  }

  async write(src: DeadLetterSource, stage: string, err: WeirError, attempts: number): Promise<void> {
    this.o.onDeadLetter(stage);
    if (!this.o.topic) {
      this.o.log.error("record failed and no deadLetter topic is configured; it is skipped", { stage, topic: src.topic, partition: src.partition, offset: src.offset, code: err.code, error: err.message });
      return;
    }
    const record = deadLetter(this.o.topic, src, stage, err, attempts);
    for (let i = 0; ; i++) {
      if (this.o.closed()) return;
      const [r] = await this.o.producer().send([record]).catch((e) => [{ error: toWeirError(e) }]);
      if (!r.error) return;
      if (this.o.closed()) return;
      this.o.log.error("dead-letter produce failed; retrying", { error: r.error, attempt: i + 1 });
      await this.o.clock.sleep(backoffMs(i + 1, { initialMs: 100, maxMs: 5_000 }));
    }
  }
}
