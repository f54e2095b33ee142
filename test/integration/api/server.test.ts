// The API against the real broker and PostgreSQL: idempotent ingestion across two API instances,
// tenant isolation over HTTP and WebSocket, reconnect with ?since=, and a slow subscriber dropped
// while a fast one keeps receiving.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../../api/app.ts";
import { loadApiConfig } from "../../../api/config.ts";
import { startServer, type ServerHandle } from "../../../api/server.ts";
import { CLOSE_SLOW_CONSUMER } from "../../../api/ws/hub.ts";
import type { Producer, Transport } from "../../../engine/kafka/types.ts";
import { PostgresSink } from "../../../engine/sinks/postgres-sink.ts";
import { WebSocketSink } from "../../../engine/sinks/websocket-sink.ts";
import type { SinkRecord } from "../../../engine/sinks/sink.ts";
import { PgIdempotencyStore } from "../../../persistence/idempotency.ts";
import { Store } from "../../../persistence/store.ts";
import { kafka, uniqueTopic } from "../../helpers/kafka.ts";
import { waitFor } from "../../helpers/wait.ts";
import { tempSchema } from "../persistence/pg-schema.ts";

const KEYS = "acme:key-acme,globex:key-globex";
let db: Awaited<ReturnType<typeof tempSchema>>;
let store: Store;
let transport: Transport;
let producer: Producer;
let topic: string;
let api: ServerHandle;
let sink: WebSocketSink;

beforeAll(async () => {
  db = await tempSchema("api");
  store = new Store(db.sql);
  transport = kafka();
  topic = uniqueTopic("api-ingest");
  const admin = transport.admin();
  await admin.createTopics([{ topic, partitions: 2 }]);
  await admin.close();
  producer = transport.producer();
  const config = loadApiConfig({ WEIR_API_KEYS: KEYS, WEIR_INGEST_TOPIC: topic, PORT: "0", HOST: "127.0.0.1", WEIR_WS_MAX_BUFFERED_BYTES: "65536" });
  api = await startServer({ config, producer, store, idempotency: new PgIdempotencyStore(db.sql), health: { postgres: async () => (await store.ping(), true) } });
  sink = new WebSocketSink(api.hub, store);
});

afterAll(async () => {
  await api?.stop();
  await producer?.close();
  await transport?.close();
  await db?.drop();
});

async function topicSize(): Promise<number> {
  const c = transport.consumer({ groupId: `g-${crypto.randomUUID().slice(0, 8)}` });
  try {
    let n = 0;
    for (const p of [0, 1]) {
      const w = await c.watermarks(topic, p, 10_000);
      n += w.high - w.low;
    }
    return n;
  } finally {
    await c.close();
  }
}

const post = (path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(new URL(path, api.url), { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const get = (path: string, key: string) => fetch(new URL(path, api.url), { headers: { authorization: `Bearer ${key}` } });

function insight(tenant: string, messageId: string, conversationId: string, version: number, extra: Record<string, unknown> = {}): SinkRecord {
  return { key: messageId, tenant, version, kind: "message", headers: {}, timestamp: Date.now(), value: { messageId, conversationId, tenant, version, status: version > 1 ? "final" : "partial", missing: [], failed: [], outputs: {}, message: {}, ...extra } };
}

/** A WebSocket client that records every event it receives. */
async function subscribe(path: string, key: string) {
  const url = new URL(path, api.url.href.replace("http", "ws"));
  url.searchParams.set("access_token", key);
  const ws = new WebSocket(url.href);
  const events: Array<{ type: string; seq: number; tenant: string; conversationId: string; data: Record<string, unknown> }> = [];
  let closed: { code: number } | null = null;
  ws.onmessage = (e) => events.push(JSON.parse(String(e.data)));
  ws.onclose = (e) => (closed = { code: e.code });
  await waitFor(() => events.some((e) => e.type === "hello"), `hello on ${path}`);
  return { ws, events, insights: () => events.filter((e) => e.type === "insight"), closed: () => closed };
}

describe("ingestion", () => {
  test("202 only after the broker acknowledged: the record is in the topic at the reported offset", async () => {
    const res = await post("/v1/messages", "key-acme", { id: "m-ack", conversationId: "c-ack", text: "Where is my parcel?" });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.topic).toBe(topic);
    expect(body.offset).toBeGreaterThanOrEqual(0);
    const c = transport.consumer({ groupId: `g-${crypto.randomUUID().slice(0, 8)}` });
    try {
      c.assign([{ topic, partition: body.partition, offset: body.offset }]);
      const [m] = await waitFor(async () => {
        const got = await c.consume(1, 500);
        return got.length ? got : null;
      }, "the acknowledged record");
      expect(JSON.parse(new TextDecoder().decode(m.value!))).toMatchObject({ id: "m-ack", tenant: "acme", text: "Where is my parcel?" });
    } finally {
      await c.close();
    }
  });

  test("same Idempotency-Key sent concurrently to two API instances → one record, identical responses", async () => {
    const before = await topicSize();
    // A second instance sharing PostgreSQL, as a second process would.
    const other = createApp({ config: loadApiConfig({ WEIR_API_KEYS: KEYS, WEIR_INGEST_TOPIC: topic }), producer, store, idempotency: new PgIdempotencyStore(db.sql) });
    const body = { conversationId: "c-idem", text: "Please cancel my subscription" };
    const headers = { "idempotency-key": `idem-${crypto.randomUUID()}` };
    const viaOther = () => other.handle(new Request("http://weir.test/v1/messages", { method: "POST", headers: { authorization: "Bearer key-acme", "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
    const [a, b] = await Promise.all([post("/v1/messages", "key-acme", body, headers), viaOther()]);
    // The loser either saw the stored response or was told the first is still in flight.
    expect([a.status, b.status].sort()).toContainEqual(202);
    for (const r of [a, b]) expect([202, 409]).toContain(r.status);
    const final = await waitFor(async () => {
      const r = await viaOther();
      return r.status === 202 ? r.json() : null;
    }, "a replayed response");
    const first = await (a.status === 202 ? a : b).json();
    expect(final).toEqual(first);
    expect(await topicSize()).toBe(before + 1);
    // The API stores no ingested body (the pipeline's sink writes the redacted message): one record on the topic is the check.
  }, 40_000);
});

describe("tenant isolation over HTTP", () => {
  test("a conversation and its insights are visible to their tenant only", async () => {
    expect((await post("/v1/messages", "key-acme", { id: "m-iso", conversationId: "c-iso", text: "My account was hacked" })).status).toBe(202);
    // The pipeline's postgres sink writes the (redacted) message with its result; the API itself stores no ingested body.
    await new PostgresSink(store, "db").write([insight("acme", "m-iso", "c-iso", 1, { message: { id: "m-iso", conversationId: "c-iso", text: "My account was [CREDENTIAL]" } })]);
    await sink.write([insight("acme", "m-iso", "c-iso", 1)]);
    const mine = await get("/v1/conversations/c-iso", "key-acme");
    expect(mine.status).toBe(200);
    expect((await mine.json()).messages.map((m: { messageId: string }) => m.messageId)).toEqual(["m-iso"]);
    const ins = await (await get("/v1/conversations/c-iso/insights", "key-acme")).json();
    expect(ins.insights.map((i: { messageId: string; version: number }) => [i.messageId, i.version])).toEqual([["m-iso", 1]]);
    expect((await get("/v1/conversations/c-iso", "key-globex")).status).toBe(404);
    expect((await get("/v1/conversations/c-iso/insights", "key-globex")).status).toBe(404);
  });

  test("/ready reports the injected probes", async () => {
    const r = await fetch(new URL("/ready", api.url));
    expect(r.status).toBe(200);
    expect((await r.json()).components).toEqual([expect.objectContaining({ name: "postgres", ok: true })]);
  });
});

describe("WebSocket", () => {
  test("subscribers only ever see their own tenant's events (conversation and stream)", async () => {
    const acme = await subscribe("/ws/conversations/c-ws", "key-acme");
    const globexConv = await subscribe("/ws/conversations/c-ws", "key-globex");
    const globexStream = await subscribe("/ws/stream", "key-globex");
    try {
      await sink.write([insight("acme", "m-ws-1", "c-ws", 1, { secret: "acme-only" })]);
      await sink.write([insight("globex", "m-ws-2", "c-ws", 1)]);
      await waitFor(() => acme.insights().length === 1 && globexConv.insights().length === 1 && globexStream.insights().length === 1, "events delivered");
      // Events reach one socket in publish order, so globex's first event being its own proves acme's never came.
      expect(acme.insights().map((e) => [e.tenant, e.data.messageId])).toEqual([["acme", "m-ws-1"]]);
      expect(globexConv.insights().map((e) => [e.tenant, e.data.messageId])).toEqual([["globex", "m-ws-2"]]);
      expect(globexStream.insights().map((e) => [e.tenant, e.data.messageId])).toEqual([["globex", "m-ws-2"]]);
      expect(JSON.stringify(globexStream.events)).not.toContain("acme-only");
    } finally {
      for (const s of [acme, globexConv, globexStream]) s.ws.close();
    }
  });

  test("a bad credential is refused before the upgrade", async () => {
    const res = await fetch(new URL("/ws/stream?access_token=nope", api.url), { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(res.status).toBe(401);
  });

  test("partial then final reach subscribers in order; a replay is not re-sent; reconnect with ?since gets what was missed", async () => {
    const conv = `c-since-${crypto.randomUUID().slice(0, 6)}`;
    const a = await subscribe(`/ws/conversations/${conv}`, "key-acme");
    await sink.write([insight("acme", "m-s1", conv, 1)]);
    await sink.write([insight("acme", "m-s1", conv, 2)]);
    await sink.write([insight("acme", "m-s1", conv, 1)]); // replay of an older version: ignored
    await waitFor(() => a.insights().length >= 2, "partial and final");
    expect(a.insights().map((e) => [e.data.status, e.data.version])).toEqual([["partial", 1], ["final", 2]]);
    const lastSeq = a.insights().at(-1)!.seq;
    a.ws.close();
    await waitFor(() => a.closed(), "client closed");
    await sink.write([insight("acme", "m-s2", conv, 1), insight("acme", "m-s3", conv, 1)]);
    const b = await subscribe(`/ws/conversations/${conv}?since=${lastSeq}`, "key-acme");
    try {
      await waitFor(() => b.insights().length >= 2, "catch-up events");
      expect(b.insights().map((e) => e.data.messageId)).toEqual(["m-s2", "m-s3"]);
      expect(b.insights().every((e) => e.seq > lastSeq)).toBe(true);
    } finally {
      b.ws.close();
    }
  });

  test("a subscriber that stops reading is dropped with 4008 while a fast one keeps receiving", async () => {
    const conv = `c-slow-${crypto.randomUUID().slice(0, 6)}`;
    const fast = await subscribe(`/ws/conversations/${conv}`, "key-acme");
    // The slow client is a process that completes the handshake and then never reads its socket.
    const req = `GET /ws/conversations/${conv}?access_token=key-acme HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n`;
    const before = api.hub.connections();
    const slow = Bun.spawn(["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${api.port}; printf '${req}' >&3; sleep 120`], { stdout: "ignore", stderr: "ignore" });
    const drops: Array<{ tenant: string }> = [];
    api.hub.onDrop = (d) => drops.push(d);
    try {
      await waitFor(() => api.hub.connections() > before, "slow client connected");
      const payload = "x".repeat(64 * 1024);
      let sent = 0;
      const deadline = Date.now() + 30_000;
      while (!drops.length) {
        if (Date.now() > deadline) throw new Error(`slow consumer not dropped after ${sent} events`);
        api.hub.publish({ type: "insight", seq: ++sent, tenant: "acme", conversationId: conv, data: { payload } });
        await waitFor(() => fast.insights().length >= sent - 8, "fast client keeping up");
      }
      expect(drops[0].tenant).toBe("acme");
      expect(api.hub.stats.dropped).toBeGreaterThanOrEqual(1);
      api.hub.publish({ type: "insight", seq: ++sent, tenant: "acme", conversationId: conv, data: { after: true } });
      await waitFor(() => fast.insights().length === sent, "fast client got every event");
      expect(fast.insights().map((e) => e.seq)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      expect(fast.closed()).toBeNull();
      expect(CLOSE_SLOW_CONSUMER).toBe(4008);
    } finally {
      api.hub.onDrop = undefined;
      slow.kill();
      fast.ws.close();
    }
  }, 60_000);
});
