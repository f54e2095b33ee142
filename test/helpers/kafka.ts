// Shared helpers for tests against the real Kafka broker started by scripts/test.sh.
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import type { ConsumedMessage, Consumer, Transport } from "../../engine/kafka/types.ts";

export const BROKERS = process.env.WEIR_TEST_KAFKA ?? "127.0.0.1:9092";

export function uniqueTopic(name: string): string {
  return `t-${name}-${crypto.randomUUID().slice(0, 8)}`;
}

export function kafka(extra: Record<string, string | number | boolean> = {}): Transport {
  return createKafkaTransport({ brokers: BROKERS, config: { "client.id": "weir-test", ...extra } });
}

const dec = new TextDecoder();
export const text = (b: Uint8Array | null) => (b ? dec.decode(b) : null);

/** Consumes until `n` messages arrived (or throws after `timeoutMs`). */
export async function consumeN(c: Consumer, n: number, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    if (Date.now() > deadline) throw new Error(`consumed ${out.length}/${n} within ${timeoutMs} ms`);
    out.push(...(await c.consume(Math.min(10_000, n - out.length), 200)));
  }
  return out;
}

/** Consumes for `ms` and returns everything seen (to check that nothing else arrives). */
export async function drainFor(c: Consumer, ms: number): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) out.push(...(await c.consume(1000, 100)));
  return out;
}
