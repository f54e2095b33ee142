// A readiness probe for any Transport: the cluster answers a metadata request in time.
import { WeirError } from "../errors.ts";
import type { Transport } from "./types.ts";

export function kafkaProbe(transport: Transport, timeoutMs = 5_000): () => Promise<boolean> {
  return async () => {
    const admin = transport.admin();
    try {
      await admin.listTopics(timeoutMs);
      return true;
    } finally {
      await admin.close();
    }
  };
}

/**
 * Waits until the cluster answers, for processes that start alongside it (docker compose, CI):
 * retries in `sliceMs` steps, calling `onWait` after each failed one, and throws a KAFKA_TIMEOUT
 * naming the brokers and the last error once `timeoutMs` has passed.
 */
export async function waitForKafka(transport: Transport, brokers: string, timeoutMs: number, onWait?: (elapsedMs: number, error: string) => void, sliceMs = 5_000): Promise<void> {
  const t0 = Date.now();
  let last = "";
  for (;;) {
    const admin = transport.admin();
    try {
      await admin.listTopics(Math.max(100, Math.min(sliceMs, timeoutMs - (Date.now() - t0))));
      return;
    } catch (e) {
      last = (e as Error).message;
    } finally {
      await admin.close();
    }
    const elapsed = Date.now() - t0;
    if (elapsed >= timeoutMs) throw new WeirError("KAFKA_TIMEOUT", `cannot reach Kafka at ${brokers} within ${Math.round(timeoutMs / 1000)} s (${last}); check KAFKA_BROKERS and WEIR_KAFKA_CONFIG`, { retriable: true, details: { brokers } });
    onWait?.(elapsed, last);
  }
}
