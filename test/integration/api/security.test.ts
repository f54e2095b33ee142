// The API's defences against a real Bun server on port 0 (in-process transport, memory store):
// one 413 shape at every size and for chunked bodies, hostile JSON turned away while others are
// served, tenant names and ids that could collide refused at every entry, WebSocket paths with
// bad encoding, single-use WebSocket tickets, unauthenticated callers rate-limited by address,
// and /metrics behind its own token.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { signHs256 } from "../../../api/auth.ts";
import { loadApiConfig } from "../../../api/config.ts";
import { startServer, type ServerHandle } from "../../../api/server.ts";
import { conversationTopic, tenantTopic } from "../../../api/ws/hub.ts";
import { createMemoryTransport } from "../../../engine/transport/memory.ts";
import { MemoryStore } from "../../../persistence/memory-store.ts";
import { waitFor } from "../../helpers/wait.ts";

const LIMIT = 4096;
const SECRET = "security-test-secret";
let api: ServerHandle;
let store: MemoryStore;
const transport = createMemoryTransport();

beforeAll(async () => {
  store = new MemoryStore();
  const config = loadApiConfig({
    WEIR_API_KEYS: "acme:key-acme,globex:key-globex",
    WEIR_JWT_SECRET: SECRET,
    WEIR_MAX_BODY_BYTES: String(LIMIT),
    WEIR_RATE_LIMIT_RPS: "1000",
    WEIR_RATE_LIMIT_BURST: "1000",
    WEIR_METRICS_TOKEN: "metrics-token",
    PORT: "0",
    HOST: "127.0.0.1",
  });
  api = await startServer({ config, producer: transport.producer(), store });
});

afterAll(async () => {
  await api?.stop();
  await transport.close();
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(new URL(path, api.url), { method: "POST", headers: { authorization: "Bearer key-acme", "content-type": "application/json", ...headers }, body });

/** Sends raw bytes and returns the status line and body of the answer. */
function raw(request: string, then?: (s: ReturnType<typeof connect>) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let got = "";
    const s = connect(api.port, "127.0.0.1", () => {
      s.write(request);
      then?.(s);
    });
    s.on("data", (d) => {
      got += d.toString();
      const [head, body = ""] = got.split("\r\n\r\n");
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
      if (len >= 0 && Buffer.byteLength(body) >= len) {
        s.destroy();
        resolve({ status: Number(head.split(" ")[1]), body: body.slice(0, len) });
      }
    });
    s.on("error", reject);
    s.on("close", () => resolve({ status: Number(got.split(" ")[1]), body: got.split("\r\n\r\n")[1] ?? "" }));
  });
}

const TOO_LARGE = { error: { code: "PAYLOAD_TOO_LARGE", message: `body exceeds the limit of ${LIMIT} bytes`, retriable: false } };

describe("body size", () => {
  test("every oversized body gets the same JSON 413, whatever its size (Bun's own cap is out of reach)", async () => {
    for (const size of [LIMIT + 1, 200 * 1024, 3 * 1024 * 1024]) {
      const res = await post("/v1/messages", JSON.stringify({ text: "x".repeat(size) }));
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual(TOO_LARGE);
    }
  });

  test("a declared length far beyond any limit is refused without sending the body", async () => {
    const res = await raw(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer key-acme\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{`);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual(TOO_LARGE);
  });

  test("a chunked body is cut off at the limit with the same 413", async () => {
    const chunk = "x".repeat(1000);
    const res = await raw(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer key-acme\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, (s) => {
      for (let i = 0; i < 10; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual(TOO_LARGE);
  });
});

describe("hostile JSON", () => {
  test("deeply nested arrays are refused by the shape scan, and the server keeps serving", async () => {
    for (const path of ["/v1/messages", "/v1/messages/batch"]) {
      const res = await post(path, "[".repeat(2000) + "]".repeat(2000));
      expect(res.status).toBe(400);
      expect((await res.json()).error.issues).toEqual([{ path: "/", message: "nested deeper than 32 levels" }]);
    }
    expect((await fetch(new URL("/live", api.url))).status).toBe(200);
  });
});

describe("tenants can never cross", () => {
  const jwt = (tenant: string) => signHs256({ tenant, exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);

  test("a tenant name with NUL or ':' in a signed JWT is refused", async () => {
    for (const tenant of ["acme\u0000R", "acme:R", "acme/../globex", ""]) {
      const res = await fetch(new URL("/v1/conversations/x", api.url), { headers: { authorization: `Bearer ${jwt(tenant)}` } });
      expect(res.status).toBe(401);
    }
    expect((await fetch(new URL("/v1/conversations/x", api.url), { headers: { authorization: `Bearer ${jwt("acme")}` } })).status).toBe(404);
  });

  test("ids with NUL (body or path) are refused; acme's conversation stays acme's", async () => {
    const bad = await post("/v1/messages", JSON.stringify({ conversationId: "R\u0000x", text: "card 4111 1111 1111 1111" }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues).toEqual([{ path: "/conversationId", message: expect.stringContaining("letters, digits") }]);
    expect((await post("/v1/messages", JSON.stringify({ conversationId: "R:x", text: "my order is late" }))).status).toBe(202);
    // What the pipeline's sink would write for it (the API stores no ingested body itself).
    await store.upsertMessage("acme", { id: "m-rx", conversationId: "R:x", text: "my order is late" } as never);
    const path = await fetch(new URL("/v1/conversations/R%00x", api.url), { headers: { authorization: "Bearer key-acme" } });
    expect(path.status).toBe(400);
    const own = await fetch(new URL("/v1/conversations/R:x", api.url), { headers: { authorization: "Bearer key-acme" } });
    expect(own.status).toBe(200);
    const other = await fetch(new URL("/v1/conversations/R:x", api.url), { headers: { authorization: "Bearer key-globex" } });
    expect(other.status).toBe(404);
  });

  test("WebSocket topic names cannot collide across (tenant, conversation) pairs", () => {
    expect(conversationTopic("acme", "R:x")).not.toBe(conversationTopic("acme:R", "x"));
    expect(conversationTopic("acme", "R\u0000x")).not.toBe(conversationTopic("acme\u0000R", "x"));
    expect(tenantTopic("acme")).not.toBe(conversationTopic("acme", ""));
  });

  test("a WebSocket for tenant 'acme:R' cannot open; one for acme's conversation R:x gets acme's events only", async () => {
    const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
    const evil = await fetch(new URL("/ws/conversations/x", api.url), { headers: { ...upgrade, authorization: `Bearer ${jwt("acme:R")}` } });
    expect(evil.status).toBe(401);
    const ws = new WebSocket(new URL("/ws/conversations/R:x", api.url.href.replace("http", "ws")).href, { headers: { authorization: "Bearer key-acme" } } as never);
    const events: Array<{ type: string; tenant: string; data: unknown }> = [];
    ws.onmessage = (e) => events.push(JSON.parse(String(e.data)));
    try {
      await waitFor(() => events.some((e) => e.type === "hello"), "hello");
      api.hub.publish({ type: "rollup", seq: 1, tenant: "acme:R", conversationId: "x", data: { n: "wrong" } });
      api.hub.publish({ type: "rollup", seq: 2, tenant: "acme", conversationId: "R:x", data: { n: "right" } });
      await waitFor(() => events.some((e) => e.type === "rollup"), "rollup");
      expect(events.filter((e) => e.type === "rollup").map((e) => e.data)).toEqual([{ n: "right" }]);
    } finally {
      ws.close();
    }
  });
});

describe("WebSocket entry", () => {
  const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };

  test("a bad percent-encoding in the path is a 400, not a 500", async () => {
    const res = await fetch(new URL("/ws/conversations/%E0%A4%A", api.url), { headers: { ...upgrade, authorization: "Bearer key-acme" } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: "VALIDATION_FAILED", message: "request is invalid", retriable: false, issues: [{ path: "/params/id", message: "is not valid percent-encoding" }] });
  });

  test("a ticket from POST /v1/ws-ticket opens one WebSocket, once", async () => {
    const res = await post("/v1/ws-ticket", "");
    expect(res.status).toBe(200);
    const { ticket, expiresAt } = await res.json();
    expect(ticket).toMatch(/^wt_/);
    expect(expiresAt).toBeGreaterThan(Date.now());
    const ws = new WebSocket(`${api.url.href.replace("http", "ws")}ws/stream?ticket=${ticket}`);
    const events: Array<{ type: string; tenant: string }> = [];
    ws.onmessage = (e) => events.push(JSON.parse(String(e.data)));
    try {
      await waitFor(() => events.some((e) => e.type === "hello"), "hello");
      expect(events[0].tenant).toBe("acme");
    } finally {
      ws.close();
    }
    const again = await fetch(new URL(`/ws/stream?ticket=${ticket}`, api.url), { headers: upgrade });
    expect(again.status).toBe(401);
  });
});

describe("operational endpoints", () => {
  test("/metrics needs WEIR_METRICS_TOKEN (a tenant key is not enough); stats.json takes any credential", async () => {
    const metrics = new URL("/metrics", api.url);
    expect((await fetch(metrics)).status).toBe(401);
    expect((await fetch(metrics, { headers: { authorization: "Bearer key-acme" } })).status).toBe(401);
    const ok = await fetch(metrics, { headers: { authorization: "Bearer metrics-token" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("weir_api_requests_total");
    const stats = new URL("/dashboard/stats.json", api.url);
    expect((await fetch(stats)).status).toBe(401);
    expect((await fetch(stats, { headers: { authorization: "Bearer key-globex" } })).status).toBe(200);
    expect((await fetch(new URL("/dashboard", api.url))).status).toBe(200);
  });
});

describe("rate limit by address", () => {
  test("failed authentications count against the client address until it gets 429", async () => {
    const config = loadApiConfig({ WEIR_API_KEYS: "acme:key-acme", WEIR_RATE_LIMIT_RPS: "0.001", WEIR_RATE_LIMIT_BURST: "3", PORT: "0", HOST: "127.0.0.1" });
    const t = createMemoryTransport();
    const limited = await startServer({ config, producer: t.producer() });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(new URL("/v1/messages", limited.url), { method: "POST", headers: { authorization: "Bearer wrong", "content-type": "application/json" }, body: "{}" })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // The tenant's own bucket is separate.
      expect((await fetch(new URL("/v1/messages", limited.url), { method: "POST", headers: { authorization: "Bearer key-acme", "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) })).status).toBe(202);
    } finally {
      await limited.stop();
      await t.close();
    }
  });
});
