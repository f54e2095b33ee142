// A readiness probe for any Transport: the cluster answers a metadata request in time.
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
