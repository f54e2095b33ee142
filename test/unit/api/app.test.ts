// The HTTP API through app.handle() on the in-memory transport: auth, validation, limits, idempotency.
import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign as rsaSign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../engine/clock.ts";
import { createMemoryTransport } from "../../../engine/transport/memory.ts";
import { createApp, type ApiDeps } from "../../../api/app.ts";
import { loadApiConfig } from "../../../api/config.ts";
import { signHs256 } from "../../../api/auth.ts";

const KEYS = "acme:key-acme,globex:key-globex";

function setup(env: Record<string, string> = {}, extra: Partial<ApiDeps> = {}) {
  const transport = createMemoryTransport();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const config = loadApiConfig({ WEIR_API_KEYS: KEYS, WEIR_INGEST_TOPIC: "support.messages", ...env });
  const app = createApp({ config, producer: transport.producer(), clock, ...extra });
  const call = (path: string, init: RequestInit & { key?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== undefined) headers.set("authorization", `Bearer ${init.key}`);
    if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
    return app.handle(new Request(`http://weir.test${path}`, { ...init, headers }));
  };
  const log = () => transport.broker.topics.get("support.messages")?.partitions.flatMap((p) => p.log) ?? [];
  return { app, call, clock, log, transport };
}

const message = { id: "m-1", conversationId: "c-1", text: "I was charged twice for my order", author: "customer" };

describe("POST /v1/messages", () => {
  test("202 with ids and a trace id after the record is in the topic, scoped to the caller's tenant", async () => {
    const { call, log } = setup();
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const res = await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify(message), headers: { traceparent } });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ messageId: "m-1", conversationId: "c-1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", topic: "support.messages" });
    const recs = log();
    expect(recs.length).toBe(1);
    expect(JSON.parse(new TextDecoder().decode(recs[0].value!))).toMatchObject({ ...message, tenant: "acme" });
  });

  test("the tenant comes from the credential, never from the body", async () => {
    const { call, log } = setup();
    const res = await call("/v1/messages", { method: "POST", key: "key-globex", body: JSON.stringify({ ...message, tenant: "acme" }) });
    expect(res.status).toBe(400);
    const ok = await call("/v1/messages", { method: "POST", key: "key-globex", body: JSON.stringify(message) });
    expect(ok.status).toBe(202);
    expect(JSON.parse(new TextDecoder().decode(log()[0].value!)).tenant).toBe("globex");
  });

  test("generates message and conversation ids when absent", async () => {
    const { call } = setup();
    const body = await (await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify({ text: "hello?" }) })).json();
    expect(body.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  test("401 without or with a wrong credential; nothing produced", async () => {
    const { call, log } = setup();
    expect((await call("/v1/messages", { method: "POST", body: JSON.stringify(message) })).status).toBe(401);
    const res = await call("/v1/messages", { method: "POST", key: "nope", body: JSON.stringify(message) });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("UNAUTHORIZED");
    expect(log().length).toBe(0);
  });

  test("400 lists every bad field with its reason", async () => {
    const { call, log } = setup();
    const res = await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify({ conversationId: "", author: "robot", extra: 1 }) });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe("VALIDATION_FAILED");
    const paths = error.issues.map((i: { path: string }) => i.path);
    for (const p of ["/text", "/conversationId", "/author"]) expect(paths).toContain(p);
    for (const i of error.issues) expect(i.message.length).toBeGreaterThan(0);
    expect(log().length).toBe(0);
  });

  test("400 for a body that is not JSON", async () => {
    const { call } = setup();
    const res = await call("/v1/messages", { method: "POST", key: "key-acme", body: "{nope" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("VALIDATION_FAILED");
  });

  test("413 for a body over WEIR_MAX_BODY_BYTES, by Content-Length or by reading it", async () => {
    const { call, log } = setup({ WEIR_MAX_BODY_BYTES: "1024" });
    const big = JSON.stringify({ ...message, text: "x".repeat(4096) });
    const byHeader = await call("/v1/messages", { method: "POST", key: "key-acme", body: big, headers: { "content-length": String(big.length) } });
    expect(byHeader.status).toBe(413);
    expect((await byHeader.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    const streamed = await call("/v1/messages", { method: "POST", key: "key-acme", body: new Blob([big]).stream(), headers: { "content-type": "application/json" } });
    expect(streamed.status).toBe(413);
    expect(log().length).toBe(0);
  });

  test("429 with Retry-After once a tenant's bucket is empty; other tenants unaffected; refills with time", async () => {
    const { call, clock } = setup({ WEIR_RATE_LIMIT_RPS: "1", WEIR_RATE_LIMIT_BURST: "2" });
    const send = (key: string) => call("/v1/messages", { method: "POST", key, body: JSON.stringify({ text: "hi" }) });
    expect((await send("key-acme")).status).toBe(202);
    expect((await send("key-acme")).status).toBe(202);
    const limited = await send("key-acme");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error.code).toBe("RATE_LIMITED");
    expect((await send("key-globex")).status).toBe(202);
    await clock.advance(1000);
    expect((await send("key-acme")).status).toBe(202);
  });

  test("Idempotency-Key: same key and tenant → same response, one record; other tenant is independent; other body → 409", async () => {
    const { call, log } = setup();
    const send = (key: string, body: object) => call("/v1/messages", { method: "POST", key, body: JSON.stringify(body), headers: { "idempotency-key": "idem-1" } });
    const first = await send("key-acme", { text: "refund please" });
    const second = await send("key-acme", { text: "refund please" });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    expect(log().length).toBe(1);
    expect((await send("key-globex", { text: "refund please" })).status).toBe(202);
    expect(log().length).toBe(2);
    const conflict = await send("key-acme", { text: "something else" });
    expect(conflict.status).toBe(409);
    expect(log().length).toBe(2);
  });
});

describe("POST /v1/messages/batch", () => {
  test("per-item report: valid items produced, invalid ones rejected with their issues (207)", async () => {
    const { call, log } = setup();
    const res = await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: JSON.stringify({ messages: [{ text: "a" }, { text: 5 }, { id: "m-3", text: "c" }] }) });
    expect(res.status).toBe(207);
    const body = await res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toBe(1);
    expect(body.items.map((i: { index: number; status: string }) => [i.index, i.status])).toEqual([[0, "accepted"], [1, "rejected"], [2, "accepted"]]);
    expect(body.items[1].error.issues[0].path).toBe("/text");
    expect(body.items[2].result.messageId).toBe("m-3");
    expect(log().length).toBe(2);
  });

  test("over WEIR_BATCH_MAX → 400, nothing produced", async () => {
    const { call, log } = setup({ WEIR_BATCH_MAX: "2" });
    const res = await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: JSON.stringify({ messages: [{ text: "a" }, { text: "b" }, { text: "c" }] }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0].path).toBe("/messages");
    expect(log().length).toBe(0);
  });
});

describe("JWT", () => {
  test("HS256: tenant from the claim; expired or wrongly signed tokens → 401", async () => {
    const { call, clock } = setup({ WEIR_JWT_SECRET: "jwt-secret" });
    const now = clock.now() / 1000;
    const good = signHs256({ tenant: "acme", sub: "u1", exp: now + 60 }, "jwt-secret");
    expect((await call("/v1/messages", { method: "POST", key: good, body: JSON.stringify({ text: "hi" }) })).status).toBe(202);
    expect((await call("/v1/messages", { method: "POST", key: signHs256({ tenant: "acme", exp: now - 1 }, "jwt-secret"), body: JSON.stringify({ text: "hi" }) })).status).toBe(401);
    expect((await call("/v1/messages", { method: "POST", key: signHs256({ tenant: "acme" }, "other"), body: JSON.stringify({ text: "hi" }) })).status).toBe(401);
  });

  test("RS256 with keys from a JWKS file", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), "weir-jwks-"));
    const file = join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1", use: "sig" }] }));
    const { call, log, clock } = setup({ WEIR_JWT_JWKS_FILE: file });
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const data = `${enc({ alg: "RS256", kid: "k1" })}.${enc({ tenant: "globex", exp: clock.now() / 1000 + 60 })}`;
    const token = `${data}.${rsaSign("RSA-SHA256", Buffer.from(data), privateKey).toString("base64url")}`;
    expect((await call("/v1/messages", { method: "POST", key: token, body: JSON.stringify({ text: "hi" }) })).status).toBe(202);
    expect(JSON.parse(new TextDecoder().decode(log()[0].value!)).tenant).toBe("globex");
    expect((await call("/v1/messages", { method: "POST", key: token.slice(0, -4) + "AAAA", body: JSON.stringify({ text: "hi" }) })).status).toBe(401);
  });
});

describe("health, docs, CORS, dev key", () => {
  test("/ready and /health report each probe; a failing one → 503; /live always 200", async () => {
    let kafkaUp = true;
    const { call } = setup({}, { health: { kafka: async () => kafkaUp, postgres: async () => ({ name: "postgres", ok: true, detail: "ok" }) } });
    expect((await call("/live")).status).toBe(200);
    const ready = await call("/ready");
    expect(ready.status).toBe(200);
    expect((await ready.json()).components.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([["kafka", true], ["postgres", true]]);
    kafkaUp = false;
    const down = await call("/health");
    expect(down.status).toBe(503);
    expect((await down.json()).components.find((c: { name: string }) => c.name === "kafka").ok).toBe(false);
  });

  test("/docs serves the OpenAPI document built from the schemas, without auth", async () => {
    const { call } = setup();
    const spec = await (await call("/docs/json")).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/v1/messages", "/v1/messages/batch", "/v1/conversations/{id}", "/v1/search"]));
    expect(spec.paths["/v1/messages"].post.requestBody).toBeDefined();
  });

  test("CORS: allowed origins echoed, preflight answered, others get no header", async () => {
    const { call } = setup({ WEIR_CORS_ORIGINS: "https://app.example" });
    const pre = await call("/v1/messages", { method: "OPTIONS", headers: { origin: "https://app.example" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect((await call("/live", { headers: { origin: "https://evil.example" } })).headers.get("access-control-allow-origin")).toBeNull();
    expect((await call("/live", { headers: { origin: "https://app.example" } })).headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  test("without configured credentials a development key is generated and works", async () => {
    const config = loadApiConfig({});
    expect(config.devKey).toMatch(/^dev_/);
    const t = createMemoryTransport();
    const app = createApp({ config, producer: t.producer() });
    const res = await app.handle(new Request("http://weir.test/v1/messages", { method: "POST", headers: { authorization: `Bearer ${config.devKey}`, "content-type": "application/json" }, body: JSON.stringify({ text: "hi" }) }));
    expect(res.status).toBe(202);
  });

  test("query routes without a store → 503, search without a backend → 503", async () => {
    const { call } = setup();
    expect((await call("/v1/conversations/c-1", { key: "key-acme" })).status).toBe(503);
    expect((await call("/v1/search?q=refund", { key: "key-acme" })).status).toBe(503);
  });
});

describe("security: order of checks, media types, error bodies", () => {
  test("authentication comes first: bad JSON with no key is a 401, not a 400", async () => {
    const { call } = setup();
    const res = await call("/v1/messages", { method: "POST", body: "{nope" });
    expect(res.status).toBe(401);
  });

  test("form-encoded and multipart bodies → 415; JSON media types match in any case with parameters", async () => {
    const { app, call, log } = setup();
    const form = await call("/v1/messages", { method: "POST", key: "key-acme", body: "text=hi", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    expect((await form.json()).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const fd = new FormData();
    fd.set("text", "hi");
    // Sent as a browser would: the multipart Content-Type with its boundary comes from the FormData.
    expect((await app.handle(new Request("http://weir.test/v1/messages", { method: "POST", headers: { authorization: "Bearer key-acme" }, body: fd }))).status).toBe(415);
    expect((await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: "messages=1", headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect(log().length).toBe(0);
    const ok = await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify({ text: "hi" }), headers: { "content-type": "Application/JSON; charset=utf-8" } });
    expect(ok.status).toBe(202);
  });

  test("error bodies name the field and reason but never echo values", async () => {
    const { call } = setup();
    const bad = await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify({ text: 4111111111111111, author: "bob" }) });
    expect(await bad.json()).toEqual({
      error: { code: "VALIDATION_FAILED", message: "message is invalid", retriable: false, issues: [{ path: "/text", message: "must be a string" }, { path: "/author", message: "must be one of: customer, agent, bot" }] },
    });
    const parse = await call("/v1/messages", { method: "POST", key: "key-acme", body: '{"text": jane}' });
    expect(await parse.json()).toEqual({ error: { code: "VALIDATION_FAILED", message: "body is not valid JSON", retriable: false, issues: [{ path: "/", message: "not valid JSON" }] } });
  });

  test("the batch endpoint describes a bad message in the same words as the single one", async () => {
    const { call } = setup();
    const body = { text: "x", author: "bob" };
    const single = await (await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify(body) })).json();
    const batch = await (await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: JSON.stringify({ messages: [body] }) })).json();
    expect(batch.items[0].error).toEqual({ code: single.error.code, message: single.error.message, issues: single.error.issues });
    expect(single.error.issues).toEqual([{ path: "/author", message: "must be one of: customer, agent, bot" }]);
  });

  test("a path id that breaks the id rule → 400 without echoing it", async () => {
    const { call } = setup();
    const res = await call("/v1/conversations/R%00x", { key: "key-acme" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues).toEqual([{ path: "/params/id", message: expect.stringMatching(/^must be 1–128 letters/) }]);
  });

  test("Idempotency-Key compares meaning, not bytes: keys in another order replay", async () => {
    const { call, log } = setup();
    const send = (body: string) => call("/v1/messages", { method: "POST", key: "key-acme", body, headers: { "idempotency-key": "idem-order" } });
    const first = await send('{"text":"refund please","author":"customer"}');
    const second = await send('{ "author": "customer",\n  "text": "refund please" }');
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(log().length).toBe(1);
  });
});

describe("security: rate limits", () => {
  test("a batch is charged per message: it cannot bypass the limit", async () => {
    const { call, clock, log } = setup({ WEIR_RATE_LIMIT_RPS: "10", WEIR_RATE_LIMIT_BURST: "20" });
    const batch = JSON.stringify({ messages: Array.from({ length: 200 }, (_, i) => ({ text: `message ${i}` })) });
    expect((await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: batch })).status).toBe(202);
    expect(log().length).toBe(200);
    const next = await call("/v1/messages/batch", { method: "POST", key: "key-acme", body: batch });
    expect(next.status).toBe(429);
    expect(Number(next.headers.get("retry-after"))).toBe(19);
    await clock.advance(19_000);
    expect((await call("/v1/messages", { method: "POST", key: "key-acme", body: JSON.stringify({ text: "hi" }) })).status).toBe(202);
  });

  test("400s and 401s count against the caller (tenant, or client address when unauthenticated)", async () => {
    const { call } = setup({ WEIR_RATE_LIMIT_RPS: "0.001", WEIR_RATE_LIMIT_BURST: "2" });
    const bad = () => call("/v1/messages", { method: "POST", key: "key-acme", body: "{nope" });
    expect([(await bad()).status, (await bad()).status, (await bad()).status]).toEqual([400, 400, 429]);
    const anon = () => call("/v1/messages", { method: "POST", key: "wrong", body: "{}" });
    expect([(await anon()).status, (await anon()).status, (await anon()).status]).toEqual([401, 401, 429]);
    expect((await call("/v1/messages", { method: "POST", key: "key-globex", body: JSON.stringify({ text: "hi" }) })).status).toBe(202);
  });
});

describe("security: JWT claims and tenant names", () => {
  const post = (call: ReturnType<typeof setup>["call"], key: string) => call("/v1/messages", { method: "POST", key, body: JSON.stringify({ text: "hi" }) });

  test("exp and nbf must be numbers; a token without exp is refused unless WEIR_JWT_ALLOW_NO_EXP=1", async () => {
    const { call, clock } = setup({ WEIR_JWT_SECRET: "jwt-secret" });
    const now = clock.now() / 1000;
    for (const claims of [{ tenant: "acme" }, { tenant: "acme", exp: String(now + 60) }, { tenant: "acme", exp: now + 60, nbf: "0" }, { tenant: "acme", exp: now + 60, nbf: now + 30 }])
      expect((await post(call, signHs256(claims, "jwt-secret"))).status).toBe(401);
    expect((await post(call, signHs256({ tenant: "acme", exp: now + 60, nbf: now - 1 }, "jwt-secret"))).status).toBe(202);
    const lax = setup({ WEIR_JWT_SECRET: "jwt-secret", WEIR_JWT_ALLOW_NO_EXP: "1" });
    expect((await post(lax.call, signHs256({ tenant: "acme" }, "jwt-secret"))).status).toBe(202);
    expect((await post(lax.call, signHs256({ tenant: "acme", exp: "never" }, "jwt-secret"))).status).toBe(401);
  });

  test("RS256: a kid the JWKS does not hold is refused even when it holds one key", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const file = join(mkdtempSync(join(tmpdir(), "weir-jwks-")), "jwks.json");
    writeFileSync(file, JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1" }] }));
    const { call, clock } = setup({ WEIR_JWT_JWKS_FILE: file });
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = (header: object) => {
      const data = `${enc(header)}.${enc({ tenant: "globex", exp: clock.now() / 1000 + 60 })}`;
      return `${data}.${rsaSign("RSA-SHA256", Buffer.from(data), privateKey).toString("base64url")}`;
    };
    expect((await post(call, token({ alg: "RS256", kid: "k1" }))).status).toBe(202);
    expect((await post(call, token({ alg: "RS256", kid: "k2" }))).status).toBe(401);
    expect((await post(call, token({ alg: "RS256" }))).status).toBe(401);
  });

  test("tenant names are checked in API-key configuration and WEIR_DEV_TENANT", () => {
    expect(() => loadApiConfig({ WEIR_API_KEYS: "acme:k1,acme\u0000R:k2" })).toThrow("WEIR_API_KEYS has invalid tenant names");
    expect(() => loadApiConfig({ WEIR_API_KEYS: "acme:R:k2" })).not.toThrow(); // "acme" with key "R:k2"
    expect(() => loadApiConfig({ WEIR_DEV_TENANT: "a:b" })).toThrow("WEIR_DEV_TENANT is not a valid tenant name");
  });
});

describe("security: tickets and operational endpoints", () => {
  test("POST /v1/ws-ticket needs a credential and returns a single-use ticket", async () => {
    const { call, clock } = setup();
    expect((await call("/v1/ws-ticket", { method: "POST" })).status).toBe(401);
    const res = await call("/v1/ws-ticket", { method: "POST", key: "key-acme" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ticket: expect.stringMatching(/^wt_/), expiresAt: clock.now() + 60_000 });
  });

  test("/metrics and /dashboard/stats.json answer without a key only with WEIR_METRICS_PUBLIC=1", async () => {
    const { metricsRoute } = await import("../../../api/routes/metrics.ts");
    const closed = setup({}, { plugins: [metricsRoute] });
    expect((await closed.call("/metrics")).status).toBe(401);
    expect((await closed.call("/dashboard/stats.json")).status).toBe(401);
    expect((await closed.call("/dashboard/stats.json", { key: "key-acme" })).status).toBe(200);
    expect((await closed.call("/dashboard")).status).toBe(200);
    const open = setup({ WEIR_METRICS_PUBLIC: "1" }, { plugins: [metricsRoute] });
    expect((await open.call("/metrics")).status).toBe(200);
    expect((await open.call("/dashboard/stats.json")).status).toBe(200);
  });
});

describe("a newcomer's first requests", () => {
  test("GET / links the dashboard, docs, health and metrics", async () => {
    const { call } = setup();
    const res = await call("/");
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const href of ["/dashboard", "/docs", "/health", "/ready", "/metrics"]) expect(html).toContain(`href="${href}"`);
    expect(html).toContain("curl -X POST http://weir.test/v1/messages");
  });

  test("a known path with another method is 405 with Allow, an unknown path 404", async () => {
    const { call } = setup();
    const del = await call("/v1/messages", { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("POST");
    expect(await del.json()).toEqual({ error: { code: "METHOD_NOT_ALLOWED", message: "/v1/messages does not accept DELETE; use POST", retriable: false } });
    const put = await call("/v1/conversations/c-1", { method: "PUT" });
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect((await call("/v1/nothing-here", { method: "DELETE" })).status).toBe(404);
  });

  test("/ready serves a component's figures and reason as JSON, not JSON in a string", async () => {
    const detail = { consumed: 4, done: 1, lag: 3, reason: "no record finished for 61 s while 3 records wait" };
    const { call } = setup({}, { health: { pipeline: async () => ({ name: "pipeline", ok: false, detail }) } });
    const res = await call("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, components: [{ name: "pipeline", ok: false, detail, latencyMs: expect.any(Number) }] });
  });
});
