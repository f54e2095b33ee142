// The HTTP API as an Elysia app. `createApp(deps)` wires routes to injected parts (producer, store,
// clock, auth, search) and returns the app, so tests call `app.handle(request)` with no server.
// WebSocket routes live in api/server.ts, which owns the Bun server.
import { contextFrom, SpanKind, tracer } from "../engine/observability/tracing.ts";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import { openapi } from "@elysiajs/openapi";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { Clock } from "../engine/clock.ts";
import { systemClock } from "../engine/clock.ts";
import { ValidationError, WeirError, type FieldIssue } from "../engine/errors.ts";
import type { Producer, ProduceRecord } from "../engine/kafka/types.ts";
import { logger } from "../engine/log.ts";
import { metrics } from "../engine/observability/metrics.ts";
import type { ComponentHealth } from "../engine/sinks/sink.ts";
import type { InsightStore } from "../persistence/insight-store.ts";
import { MemoryIdempotencyStore, type IdempotencyStore } from "../persistence/idempotency.ts";
import { authenticate, type Principal } from "./auth.ts";
import type { ApiConfig } from "./config.ts";
import { toHttpError } from "./errors.ts";
import { TenantRateLimiter } from "./rate-limit.ts";
import {
  Accepted, BatchBody, BatchReport, Conversation, ErrorBody, HealthReport, IngestMessage, InsightList, SearchResult, SimilarResult,
  type SearchHit, type SimilarHit,
} from "./schemas.ts";

const log = logger("api");
const meter = {
  requests: metrics.counter("weir_api_requests_total", "API requests by route and status"),
  ingested: metrics.counter("weir_api_ingested_total", "Messages accepted (acknowledged by Kafka) per tenant"),
};
const checkMessage = TypeCompiler.Compile(IngestMessage);

export interface ApiDeps {
  config: ApiConfig;
  producer: Producer;
  store?: InsightStore;
  idempotency?: IdempotencyStore;
  clock?: Clock;
  search?: (tenant: string, q: string, limit: number) => Promise<SearchHit[]>;
  similar?: (tenant: string, conversationId: string, limit: number) => Promise<SimilarHit[]>;
  /** Named probes for /health and /ready (Kafka, PostgreSQL, sinks, consumer lag...). */
  health?: Record<string, () => Promise<ComponentHealth | boolean>>;
  /** Extra Elysia plugins mounted as they are (metrics, dashboard). */
  plugins?: Array<Elysia<any, any, any, any, any, any, any>>;
}

const PUBLIC = new Set(["/health", "/ready", "/live", "/metrics"]);
const isPublic = (path: string) => PUBLIC.has(path) || path === "/docs" || path.startsWith("/docs/") || path.startsWith("/dashboard");

function traceIdFrom(header: string | null): string {
  const m = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(header ?? "");
  return m && m[1] !== "0".repeat(32) ? m[1] : randomBytes(16).toString("hex");
}

function issuesOf(errors: Iterable<{ path: string; message: string; schema?: unknown }>): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const e of errors) out.push({ path: e.path || "/", message: e.message });
  return out;
}

async function runProbe(name: string, fn: () => Promise<ComponentHealth | boolean>, clock: Clock): Promise<ComponentHealth> {
  const t0 = clock.now();
  try {
    const r = await Promise.race([fn(), new Promise<ComponentHealth>((res) => setTimeout(() => res({ name, ok: false, detail: "probe timed out" }), 5000))]);
    return typeof r === "boolean" ? { name, ok: r, latencyMs: clock.now() - t0 } : { ...r, name, latencyMs: r.latencyMs ?? clock.now() - t0 };
  } catch (e) {
    return { name, ok: false, detail: (e as Error).message, latencyMs: clock.now() - t0 };
  }
}

/**
 * Builds the API.
 * @example
 * const app = createApp({ config: loadApiConfig(), producer: transport.producer(), store });
 * const res = await app.handle(new Request("http://x/v1/messages", { method: "POST", headers: { authorization: `Bearer ${key}` }, body }));
 */
export function createApp(deps: ApiDeps) {
  const cfg = deps.config;
  const clock = deps.clock ?? systemClock;
  const limiter = new TenantRateLimiter(clock, cfg.rateLimit.rps, cfg.rateLimit.burst);
  const idem = deps.idempotency ?? new MemoryIdempotencyStore(() => clock.now());
  const cors = cfg.corsOrigins;

  function corsHeaders(origin: string | null): Record<string, string> {
    if (!cors.length || !origin) return {};
    const allowed = cors.includes("*") ? "*" : cors.includes(origin) ? origin : null;
    return allowed ? { "access-control-allow-origin": allowed, vary: "Origin" } : {};
  }

  function toRecord(tenant: string, m: IngestMessage, traceId: string): { record: ProduceRecord; value: Record<string, unknown> } {
    const value = { ...m, id: m.id ?? randomUUID(), conversationId: m.conversationId ?? randomUUID(), tenant, timestamp: m.timestamp ?? clock.now() };
    // The ingestion span (when tracing is on) becomes the parent of everything downstream: its
    // context rides in the record's traceparent header.
    const span = tracer().startSpan("ingest message", { kind: SpanKind.PRODUCER, attributes: { "weir.tenant": tenant, "messaging.destination.name": cfg.ingestTopic } }, contextFrom(`00-${traceId}-${"0".repeat(15)}1-01`));
    const sc = span.spanContext();
    span.end();
    const spanId = sc.traceId === traceId && sc.spanId !== "0".repeat(16) ? sc.spanId : randomBytes(8).toString("hex");
    return {
      value,
      record: {
        topic: cfg.ingestTopic,
        // Keyed by conversation so a conversation's messages stay in order on one partition.
        key: `${tenant}:${value.conversationId}`,
        value: JSON.stringify(value),
        headers: { traceparent: `00-${traceId}-${spanId}-01`, "weir.tenant": tenant, "weir.message-id": value.id },
      },
    };
  }

  async function remember(tenant: string, value: Record<string, unknown>) {
    if (!deps.store) return;
    try {
      await deps.store.upsertMessage(tenant, value as never);
    } catch (e) {
      // The message is in Kafka already; the pipeline's postgres sink writes it again later.
      log.warn("could not record ingested message", { err: e, messageId: value.id });
    }
  }

  async function ingestOne(tenant: string, m: IngestMessage, traceId: string): Promise<Accepted> {
    const { record, value } = toRecord(tenant, m, traceId);
    const rep = await deps.producer.produce(record);
    meter.ingested.inc({ tenant });
    await remember(tenant, value);
    return { messageId: String(value.id), conversationId: String(value.conversationId), traceId, topic: rep.topic, partition: rep.partition, offset: rep.offset };
  }

  // Unnamed on purpose: Elysia de-duplicates named plugins, and each createApp needs its own.
  // normalize: false → unknown fields are rejected (400) rather than silently dropped.
  const v1 = new Elysia({ normalize: false })
    .derive({ as: "scoped" }, ({ headers }) => {
      const principal: Principal = authenticate(cfg.auth, headers.authorization, clock.now());
      return { principal };
    })
    .onBeforeHandle({ as: "scoped" }, ({ principal, set, body }) => {
      const cost = body && typeof body === "object" && Array.isArray((body as { messages?: unknown[] }).messages) ? Math.max(1, (body as { messages: unknown[] }).messages.length) : 1;
      const d = limiter.take(principal.tenant, Math.min(cost, cfg.rateLimit.burst));
      set.headers["x-ratelimit-remaining"] = String(Number.isFinite(d.remaining) ? d.remaining : cfg.rateLimit.burst);
      if (!d.ok) {
        set.headers["retry-after"] = String(d.retryAfterS);
        throw new WeirError("RATE_LIMITED", `rate limit of ${cfg.rateLimit.rps}/s exceeded for tenant`, { retriable: true, details: { retryAfterS: d.retryAfterS } });
      }
    })
    .post(
      "/v1/messages",
      async ({ body, principal, headers, set }) => {
        const tenant = principal.tenant;
        const traceId = traceIdFrom(headers.traceparent ?? null);
        const key = headers["idempotency-key"];
        if (!key) {
          set.status = 202;
          return ingestOne(tenant, body, traceId);
        }
        if (key.length > 200) throw new ValidationError("VALIDATION_FAILED", "bad Idempotency-Key", [{ path: "/headers/idempotency-key", message: "longer than 200 characters" }]);
        const hash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
        const claim = await idem.claim(tenant, key, hash);
        if (claim.state !== "owner") {
          if (claim.requestHash !== hash) throw new WeirError("CONFLICT", "Idempotency-Key was already used with a different body");
          if (claim.state === "pending") throw new WeirError("CONFLICT", "a request with this Idempotency-Key is in progress", { retriable: true });
          set.status = 202;
          set.headers["idempotent-replayed"] = "true";
          return claim.response as Accepted;
        }
        try {
          const res = await ingestOne(tenant, body, traceId);
          await idem.complete(tenant, key, res);
          set.status = 202;
          return res;
        } catch (e) {
          await idem.release(tenant, key).catch(() => {});
          throw e;
        }
      },
      {
        body: IngestMessage,
        response: { 202: Accepted, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        detail: { summary: "Ingest one message", description: "Produced to Kafka; 202 only after the broker acknowledged it. Send `Idempotency-Key` to make retries safe.", tags: ["ingest"] },
      },
    )
    .post(
      "/v1/messages/batch",
      async ({ body, principal, headers, set }) => {
        if (body.messages.length > cfg.batchMax)
          throw new ValidationError("VALIDATION_FAILED", "batch too large", [{ path: "/messages", message: `${body.messages.length} messages; at most ${cfg.batchMax}`, expected: `≤ ${cfg.batchMax} items` }]);
        const traceId = traceIdFrom(headers.traceparent ?? null);
        const items: Array<{ index: number; status: "accepted" | "rejected"; result?: Accepted; error?: { code: string; message: string; issues?: FieldIssue[] } }> = [];
        const good: Array<{ index: number; record: ProduceRecord; value: Record<string, unknown> }> = [];
        body.messages.forEach((raw, index) => {
          if (checkMessage.Check(raw)) good.push({ index, ...toRecord(principal.tenant, raw, traceId) });
          else items.push({ index, status: "rejected", error: { code: "VALIDATION_FAILED", message: "invalid message", issues: issuesOf(checkMessage.Errors(raw)) } });
        });
        const reports = good.length ? await deps.producer.send(good.map((g) => g.record)) : [];
        await Promise.all(
          good.map(async (g, i) => {
            const r = reports[i];
            if (r.error) items.push({ index: g.index, status: "rejected", error: { code: r.error.code, message: r.error.message } });
            else {
              await remember(principal.tenant, g.value);
              items.push({ index: g.index, status: "accepted", result: { messageId: String(g.value.id), conversationId: String(g.value.conversationId), traceId, topic: r.topic, partition: r.partition, offset: r.offset } });
            }
          }),
        );
        items.sort((a, b) => a.index - b.index);
        const accepted = items.filter((i) => i.status === "accepted").length;
        set.status = accepted === items.length ? 202 : 207;
        return { accepted, rejected: items.length - accepted, items };
      },
      {
        body: BatchBody,
        response: { 202: BatchReport, 207: BatchReport, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        detail: { summary: "Ingest up to WEIR_BATCH_MAX messages", description: "Per-item report; 207 when some items were rejected.", tags: ["ingest"] },
      },
    )
    .get(
      "/v1/conversations/:id",
      async ({ params, principal }) => {
        const c = await needStore(deps).conversation(principal.tenant, params.id);
        if (!c) throw new WeirError("NOT_FOUND", `conversation ${params.id} not found`);
        return c as never;
      },
      { response: { 200: Conversation, 401: ErrorBody, 404: ErrorBody }, detail: { summary: "A conversation, its latest messages and rollup", tags: ["query"] } },
    )
    .get(
      "/v1/conversations/:id/insights",
      async ({ params, principal }) => {
        const rows = await needStore(deps).insights(principal.tenant, params.id);
        if (!rows.length && !(await needStore(deps).conversation(principal.tenant, params.id))) throw new WeirError("NOT_FOUND", `conversation ${params.id} not found`);
        return { conversationId: params.id, insights: rows } as never;
      },
      { response: { 200: InsightList, 401: ErrorBody, 404: ErrorBody }, detail: { summary: "Aggregated insights per message (latest version each)", tags: ["query"] } },
    )
    .get(
      "/v1/search",
      async ({ query, principal }) => {
        if (!deps.search) throw new WeirError("SINK_FAILED", "search is not configured (set ELASTICSEARCH_URL)");
        const q = (query.q ?? "").trim();
        if (!q) throw new ValidationError("VALIDATION_FAILED", "missing query", [{ path: "/query/q", message: "required, non-empty" }]);
        return { query: q, hits: await deps.search(principal.tenant, q, Math.min(100, Number(query.limit ?? 20) || 20)) };
      },
      { response: { 200: SearchResult, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody }, detail: { summary: "Full-text search over messages and summaries", tags: ["query"] } },
    )
    .get(
      "/v1/conversations/:id/similar",
      async ({ params, query, principal }) => {
        if (!deps.similar) throw new WeirError("SINK_FAILED", "similarity search is not configured (set QDRANT_URL)");
        return { conversationId: params.id, similar: await deps.similar(principal.tenant, params.id, Math.min(50, Number(query.limit ?? 10) || 10)) };
      },
      { response: { 200: SimilarResult, 401: ErrorBody, 503: ErrorBody }, detail: { summary: "Nearest conversations by embedding", tags: ["query"] } },
    );

  const probes = async () => Promise.all(Object.entries(deps.health ?? {}).map(([n, fn]) => runProbe(n, fn, clock)));

  let app = new Elysia({ normalize: false })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, corsHeaders(request.headers.get("origin")));
      if (request.method === "OPTIONS" && cors.length) {
        return new Response(null, {
          status: 204,
          headers: { ...corsHeaders(request.headers.get("origin")), "access-control-allow-methods": "GET,POST,OPTIONS", "access-control-allow-headers": "authorization,content-type,idempotency-key,traceparent", "access-control-max-age": "600" },
        });
      }
      const len = Number(request.headers.get("content-length") ?? 0);
      if (len > cfg.maxBodyBytes) throw new WeirError("PAYLOAD_TOO_LARGE", `body of ${len} bytes exceeds the limit of ${cfg.maxBodyBytes}`);
    })
    .onParse(async ({ request, contentType }) => {
      // Bodies sent without Content-Length (chunked) are measured here, after reading.
      if (!contentType?.startsWith("application/json")) return;
      const text = await request.text();
      if (Buffer.byteLength(text) > cfg.maxBodyBytes) throw new WeirError("PAYLOAD_TOO_LARGE", `body exceeds the limit of ${cfg.maxBodyBytes} bytes`);
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new ValidationError("VALIDATION_FAILED", "body is not valid JSON", [{ path: "/", message: (e as Error).message }]);
      }
    })
    .onAfterResponse(({ route, set }) => {
      meter.requests.inc({ route: route || "unknown", status: String(set.status ?? 200) });
    })
    .onError(({ code, error, set, path }) => {
      let err: unknown = error;
      // A WeirError thrown from a hook (e.g. 413 while parsing) may arrive under another code.
      const inner = (error as { cause?: unknown }).cause;
      if (error instanceof WeirError) err = error;
      else if (inner instanceof WeirError) err = inner;
      else if (code === "VALIDATION") {
        const all = (error as unknown as { all?: Array<{ path: string; message: string; summary?: string }> }).all ?? [];
        err = new ValidationError("VALIDATION_FAILED", "request is invalid", all.map((e) => ({ path: e.path || "/", message: e.summary ?? e.message })));
      } else if (code === "NOT_FOUND") err = new WeirError("NOT_FOUND", `no route ${path}`);
      else if (code === "PARSE") err = new ValidationError("VALIDATION_FAILED", "body is not valid JSON", [{ path: "/", message: (error as Error).message }]);
      const h = toHttpError(err);
      if (h.status === 500) log.error("request failed", { err: h.error, path });
      else if (h.status >= 500) log.warn("request failed: dependency unavailable", { code: h.error.code, message: h.error.message, path });
      set.status = h.status;
      set.headers["content-type"] = "application/json";
      return h.body;
    })
    .use(openapi({ path: "/docs", documentation: { info: { title: "weir API", version: "1" }, components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } }, security: [{ bearer: [] }] } }))
    .get("/live", () => ({ ok: true }), { detail: { summary: "Liveness: the process answers", tags: ["health"] } })
    .get(
      "/ready",
      async ({ set }) => {
        const components = await probes();
        const ok = components.every((c) => c.ok);
        if (!ok) set.status = 503;
        return { ok, components };
      },
      { response: { 200: HealthReport, 503: HealthReport }, detail: { summary: "Readiness: every component probe passes", tags: ["health"] } },
    )
    .get(
      "/health",
      async ({ set }) => {
        const components = await probes();
        const ok = components.every((c) => c.ok);
        if (!ok) set.status = 503;
        return { ok, components };
      },
      { response: { 200: HealthReport, 503: HealthReport }, detail: { summary: "Each component's health (Kafka, PostgreSQL, sinks, lag)", tags: ["health"] } },
    );
  for (const p of deps.plugins ?? []) app = app.use(p) as typeof app;
  return app.use(v1);
}

function needStore(deps: ApiDeps): InsightStore {
  if (!deps.store) throw new WeirError("STORE_FAILED", "no store configured (set DATABASE_URL)");
  return deps.store;
}

export type WeirApp = ReturnType<typeof createApp>;
export { isPublic };
