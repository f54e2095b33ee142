// What a `module:` function sees besides the value: the record's key and its Kafka coordinates, as
// Kafka Streams' Record gives a processor. Frozen per call: a module changes the value it returns,
// never the bookkeeping of the record it came from.
import type { Envelope } from "../runtime/envelope.ts";

export interface RecordContext {
  key: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Record<string, string>;
}

const dec = new TextDecoder();

export function recordContext(env: Envelope): RecordContext {
  let headers: Record<string, string> | undefined;
  return Object.freeze({
    key: env.key,
    topic: env.topic,
    partition: env.partition,
    offset: env.offset,
    timestamp: env.timestamp,
    // Decoded on first use: most modules never read headers.
    get headers() {
      return (headers ??= Object.fromEntries(env.headers.map(([k, v]) => [k, typeof v === "string" ? v : dec.decode(v)])));
    },
  });
}
