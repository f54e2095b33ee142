// Needs a real Elasticsearch: none can run on the development machine (no package or binary
// available offline), so this runs only when ELASTICSEARCH_URL is set (e.g. in docker-compose CI).
import { afterAll, expect, test } from "bun:test";
import { ElasticsearchSink } from "../../../../engine/sinks/elasticsearch-sink.ts";
import type { SinkRecord } from "../../../../engine/sinks/sink.ts";

const url = process.env.ELASTICSEARCH_URL;
const prefix = `weir-test-${crypto.randomUUID().slice(0, 8)}`;
let sink: ElasticsearchSink | undefined;
afterAll(async () => {
  if (!sink) return;
  await sink.client.indices.delete({ index: sink.index }).catch(() => {});
  await sink.client.indices.deleteIndexTemplate({ name: `${sink.index}-template` }).catch(() => {});
  await sink.close();
});

const rec = (tenant: string, id: string, version: number, text: string): SinkRecord => ({
  key: id, tenant, version, kind: "message", headers: {}, timestamp: Date.now(),
  value: { messageId: id, conversationId: `c-${id}`, status: "final", outputs: { summary: { summary: text } }, message: { text } },
});

test.skipIf(!url)("bulk indexes idempotently and searches within one tenant", async () => {
  sink = new ElasticsearchSink({ url: url!, prefix });
  await sink.start();
  await sink.write([rec("acme", "m-1", 1, "refund for a double charge"), rec("globex", "m-2", 1, "refund please")]);
  await sink.write([rec("acme", "m-1", 1, "refund for a double charge")]);
  await sink.client.indices.refresh({ index: sink.index });
  const hits = await sink.search("acme", "refund");
  expect(hits.map((h) => h.messageId)).toEqual(["m-1"]);
  expect((await sink.client.count({ index: sink.index })).count).toBe(2);
}, 60_000);
