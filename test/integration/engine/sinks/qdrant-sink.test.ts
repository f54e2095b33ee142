// Needs a real Qdrant: none can run on the development machine (no package or binary available
// offline), so this runs only when QDRANT_URL is set (e.g. in docker-compose CI).
import { afterAll, expect, test } from "bun:test";
import { QdrantSink } from "../../../../engine/sinks/qdrant-sink.ts";
import type { SinkRecord } from "../../../../engine/sinks/sink.ts";

const url = process.env.QDRANT_URL;
const collection = `weir_test_${crypto.randomUUID().slice(0, 8)}`;
let sink: QdrantSink | undefined;
afterAll(async () => {
  if (sink) await sink.client.deleteCollection(collection).catch(() => {});
});

const rec = (tenant: string, id: string, conv: string, vector: number[]): SinkRecord => ({
  key: id, tenant, version: 1, kind: "message", headers: {}, timestamp: Date.now(),
  value: { messageId: id, conversationId: conv, outputs: { embedding: { vector } }, message: { text: id } },
});

test.skipIf(!url)("upserts with deterministic ids and finds the nearest conversation within the tenant", async () => {
  sink = new QdrantSink({ url: url!, collection, dimensions: 3 });
  await sink.start();
  await sink.write([rec("acme", "m-1", "c-1", [1, 0, 0]), rec("acme", "m-2", "c-2", [0.9, 0.1, 0]), rec("acme", "m-3", "c-3", [0, 0, 1]), rec("globex", "m-4", "c-4", [1, 0, 0])]);
  await sink.write([rec("acme", "m-1", "c-1", [1, 0, 0])]);
  expect((await sink.client.count(collection, { exact: true })).count).toBe(4);
  const similar = await sink.similarConversations("acme", "c-1", 2);
  expect(similar.map((s) => s.conversationId)).toEqual(["c-2", "c-3"]);
}, 60_000);
