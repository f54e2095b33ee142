// End to end on the real broker and PostgreSQL: HTTP ingestion → Kafka → the support topology's
// agents → aggregator → PostgreSQL and WebSocket, with PII redacted before the other agents.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AGENTS } from "../../../agents/index.ts";
import { loadApiConfig } from "../../../api/config.ts";
import { startServer, type ServerHandle } from "../../../api/server.ts";
import type { Producer, Transport } from "../../../engine/kafka/types.ts";
import { StagedPipeline } from "../../../engine/runtime/staged-pipeline.ts";
import { PostgresSink } from "../../../engine/sinks/postgres-sink.ts";
import { WebSocketSink } from "../../../engine/sinks/websocket-sink.ts";
import { migrate } from "../../../persistence/migrate.ts";
import { Store } from "../../../persistence/store.ts";
import { parseTopology } from "../../../topology/load.ts";
import { kafka, uniqueTopic } from "../../helpers/kafka.ts";
import { waitFor } from "../../helpers/wait.ts";
import { tempSchema } from "../persistence/pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
let transport: Transport;
let producer: Producer;
let api: ServerHandle;
let pipeline: StagedPipeline;
const base = uniqueTopic("e2e");

beforeAll(async () => {
  db = await tempSchema("e2e");
  await migrate(db.sql);
  const store = new Store(db.sql);
  transport = kafka();
  producer = transport.producer();
  // The real support topology, with topics and group made unique for this run.
  const text = readFileSync(resolve(import.meta.dir, "../../../topology/support.yaml"), "utf8")
    .replaceAll("support.messages", `${base}.messages`)
    .replaceAll("support.insights", `${base}.insights`)
    .replaceAll("support.dlq", `${base}.dlq`)
    .replaceAll("via: support.", `via: ${base}.`)
    .replaceAll("weir-support", `g-${base}`)
    .replace("name: support-intelligence", `name: ${base}`);
  const topology = parseTopology(text, "support.yaml");
  const config = loadApiConfig({ WEIR_API_KEYS: "acme:key-acme,globex:key-globex", WEIR_INGEST_TOPIC: `${base}.messages`, PORT: "0", HOST: "127.0.0.1" });
  api = await startServer({ config, producer, store, migrate: false });
  // Both stages, as `weir run` starts them: summary crosses to the llm stage and back over Kafka.
  pipeline = new StagedPipeline({ topology, transport, agents: AGENTS, commitIntervalMs: 200, sinks: { db: new PostgresSink(store, "db"), live: new WebSocketSink(api.hub, store, "live") } });
  await pipeline.start();
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
  await api?.stop();
  await producer?.close();
  await transport?.close();
  await db?.drop();
});

const post = (key: string, body: unknown) =>
  fetch(new URL("/v1/messages", api.url), { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const get = (path: string, key: string) => fetch(new URL(path, api.url), { headers: { authorization: `Bearer ${key}` } });

describe("support pipeline end to end", () => {
  test("HTTP → Kafka → agents → aggregator → PostgreSQL and WebSocket", async () => {
    const ws = new WebSocket(new URL(`/ws/conversations/c-e2e?access_token=key-acme`, api.url.href.replace("http", "ws")).href);
    const events: Array<{ type: string; data: Record<string, any> }> = [];
    ws.onmessage = (e) => events.push(JSON.parse(String(e.data)));
    await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));

    const messages = [
      { conversationId: "c-e2e", text: "Hi, my card 4111 1111 1111 1111 was charged twice!! This is unacceptable, I want a refund today." },
      { conversationId: "c-e2e", text: "You can reach me at jane.doe@example.com or +1 415 555 0132. Still not fixed." },
      { conversationId: "c-e2e", text: "Thanks so much, the refund arrived and everything works now!" },
    ];
    const ids: string[] = [];
    for (const m of messages) {
      const res = await post("key-acme", m);
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { messageId: string }).messageId);
    }
    // Another tenant's message on a conversation with the same id must stay invisible to acme.
    expect((await post("key-globex", { conversationId: "c-e2e", text: "globex secret" })).status).toBe(202);

    const insights = await waitFor(async () => {
      const r = await get("/v1/conversations/c-e2e/insights", "key-acme");
      if (r.status !== 200) return null;
      const body = (await r.json()) as { insights: Array<Record<string, any>> };
      return body.insights.filter((i) => i.status === "final").length >= 3 ? body.insights : null;
    }, "three final insights in PostgreSQL", 60_000);
    expect(insights).toHaveLength(3);
    const outputsOf = (id: string) => insights.find((i) => i.messageId === id)!.result.outputs as Record<string, any>;
    const outputs = outputsOf(ids[0]);
    expect(outputs.pii.findings.map((f: { type: string }) => f.type)).toContain("card");
    expect(outputs.pii.redacted).toContain("[CARD]");
    expect(outputs.sentiment.label).toBe("negative");
    expect(outputs.insights.intent).toBe("billing_charge_dispute");
    expect(["high", "critical"]).toContain(outputs.insights.urgency);
    expect(outputsOf(ids[2]).sentiment.label).toBe("positive");
    expect(outputsOf(ids[1]).pii.findings.map((f: { type: string }) => f.type).sort()).toEqual(["email", "phone"]);
    // The summary agent only ever saw redacted text.
    const summary = outputsOf(ids[2]).summary.summary as string;
    expect(summary).not.toContain("jane.doe@example.com");
    expect(summary).not.toContain("4111");

    await waitFor(() => events.filter((e) => e.type === "insight").length >= 3, "three insights over WebSocket", 30_000);
    expect(events.filter((e) => e.type === "insight").every((e) => e.data.tenant === "acme")).toBe(true);
    expect(JSON.stringify(events)).not.toContain("globex secret");
    ws.close();

    const conv = await get("/v1/conversations/c-e2e", "key-acme");
    expect(conv.status).toBe(200);
    expect(JSON.stringify(await conv.json())).not.toContain("globex secret");
  }, 90_000);
});
