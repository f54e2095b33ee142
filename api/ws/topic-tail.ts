// /ws/topics/:topic, in embedded mode only: what a topic sink writes (support.insights) lives in
// this process's in-process broker, where `weir tail` (a Kafka client) cannot reach it. A socket
// here reads the topic from the beginning with a throwaway consumer group that never commits, and
// receives each record as one JSON message, the same shape `weir tail` prints. Only records of the
// caller's tenant (header weir.tenant, or a `tenant` field in the value) are sent.
import type { ServerWebSocket } from "bun";
import type { Transport } from "../../engine/kafka/types.ts";
import { logger } from "../../engine/log.ts";
import type { WsData } from "./hub.ts";

const log = logger("api");
const dec = new TextDecoder();

/** Starts streaming `ws.data.tail` to `ws`; the returned function stops it. */
export function tailTopic(transport: Transport, ws: ServerWebSocket<WsData>): () => void {
  const topic = ws.data.tail!;
  const consumer = transport.consumer({ groupId: `weir-ws-tail-${crypto.randomUUID()}`, config: { "auto.offset.reset": "earliest", "enable.auto.commit": "false" } });
  let stopped = false;
  void (async () => {
    try {
      consumer.subscribe([topic]);
      while (!stopped) {
        for (const m of await consumer.consume(500, 200)) {
          const headers = Object.fromEntries(m.headers.map(([k, v]) => [k, dec.decode(v)]));
          const text = m.value ? dec.decode(m.value) : null;
          let value: unknown = text;
          try {
            value = text === null ? null : JSON.parse(text);
          } catch {
            /* not JSON: sent as a string */
          }
          const tenant = headers["weir.tenant"] ?? (value && typeof value === "object" ? (value as { tenant?: unknown }).tenant : undefined);
          if (tenant !== ws.data.tenant) continue;
          ws.send(JSON.stringify({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key ? dec.decode(m.key) : null, headers, value }));
        }
      }
    } catch (e) {
      if (!stopped) {
        log.warn("topic tail stopped", { topic, err: e });
        ws.close(1011, "topic tail failed");
      }
    } finally {
      await consumer.close().catch(() => {});
    }
  })();
  return () => {
    stopped = true;
  };
}
