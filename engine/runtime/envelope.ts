// A record travelling through a pipeline, with the bookkeeping that lets the runtime commit its
// offset only when every branch it forked into (agents, sinks) has finished.
import type { DeadLetterSource } from "./dead-letter.ts";
export interface Envelope {
  value: Record<string, unknown>;
  /** Actor key. */
  key: string;
  topic: string;
  partition: number;
  offset: number;
  headers: Array<[string, Uint8Array]>;
  timestamp: number;
  /** Agent outputs gathered so far on this record's path. */
  outputs: Record<string, unknown>;
  /** The source record this one descends from (across stages, the first stage's source). */
  origin: { topic: string; partition: number; offset: number };
  /** The Kafka record as consumed: what a dead letter carries (until a redaction step rewrites the record). */
  raw: DeadLetterSource;
  /** The agent that rewrote the record (a redaction step), if any: dead letters then carry the rewritten record. */
  rewrittenBy?: string;
  /** Agents on this record's path that failed for good (dead-lettered), so a join elsewhere stops waiting for them. */
  failed?: string[];
  /** Adds `n` branches that must each call release(). */
  fork(n: number): void;
  /** Ends one branch; the record is done when all have ended. */
  release(): void;
}

/** What crosses a topic between two stages of one topology (topology/stages.ts). */
export interface StageEnvelope {
  v: 1;
  key: string;
  value: Record<string, unknown>;
  outputs: Record<string, unknown>;
  origin: { topic: string; partition: number; offset: number };
  /** Agents that failed for good before the crossing (their outputs are absent). */
  failed?: string[];
}

/** Reference counting for one record's branches. */
export function completion(onDone: () => void): { fork(n: number): void; release(): void } {
  let refs = 1;
  let finished = false;
  return {
    fork(n: number) {
      refs += n;
    },
    release() {
      if (finished) return;
      if (--refs === 0) {
        finished = true;
        onDone();
      }
    },
  };
}
