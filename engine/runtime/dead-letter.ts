// Dead letters: the original record (key, value, headers) plus headers saying which stage failed,
// why, after how many attempts, and where the record came from. A poison record goes here and its
// partition moves on.
import type { ProduceRecord } from "../kafka/types.ts";
import type { WeirError } from "../errors.ts";

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: number;
  key: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers: Array<[string, Uint8Array]>;
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
