// The HTTP API as an Elysia app. `createApp(deps)` wires routes to injected parts (producer, store,
// clock, auth, search) and returns the app, so tests call `app.handle(request)` with no server.
// WebSocket routes live in api/server.ts, which owns the Bun server.
import { contextFrom, SpanKind, tracer } from "../engine/observability/tracing.ts";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import { Type } from "@sinclair/typebox";
import type { ValueError } from "@sinclair/typebox/errors";
import type { Clock } from "../engine/clock.ts";
import { systemClock } from "../engine/clock.ts";
import { ValidationError, WeirError, type FieldIssue } from "../engine/errors.ts";
import type { Producer, ProduceRecord } from "../engine/kafka/types.ts";
import { logger } from "../engine/log.ts";
import { metrics } from "../engine/observability/metrics.ts";
import type { ComponentHealth } from "../engine/sinks/sink.ts";
import type { InsightStore } from "../persistence/insight-store.ts";
import { MemoryIdempotencyStore, type IdempotencyStore } from "../persistence/idempotency.ts";
import { authenticate, safeEqual, type Principal } from "./auth.ts";
import { canonicalJson } from "./canonical-json.ts";
import { clientAddress } from "./client-address.ts";
import type { ApiConfig } from "./config.ts";
import { toHttpError } from "./errors.ts";
import { docs } from "./docs/index.ts";
import { landingPage } from "./landing.ts";
import { dashboardRoutes, type DashboardInfo } from "./dashboard/index.ts";
import { ID_RULE, isId } from "./identifiers.ts";
import { RateLimiter } from "./rate-limit.ts";
import { readJsonBody } from "./read-body.ts";
import {
  Accepted, BatchBody, BatchReport, Conversation, ErrorBody, HealthReport, IngestMessage, Insight, InsightList, SearchResult, SimilarResult, StreamEvent, WsTicket,
  type SearchHit, type SimilarHit,
} from "./schemas.ts";
import { TicketStore } from "./tickets.ts";
import { jobRoutes, type JobsApi } from "./routes/jobs.ts";
import { issueOf, validator } from "./validation.ts";
import { vaultKeyMatches, vaultKeys, withoutVault } from "./vault.ts";
import { open as openVault } from "../agents/pii/vault.ts";

const log = logger("api");
const meter = {
  requests: metrics.counter("weir_api_requests_total", "API requests by route and status"),
  ingested: metrics.counter("weir_api_ingested_total", "Messages accepted (acknowledged by Kafka) per tenant"),
};
const messages = validator(IngestMessage);
const batches = validator(BatchBody);

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
  /** WebSocket tickets; api/server.ts shares one store between the app (issues) and the upgrade (redeems). */
  tickets?: TicketStore;
  /** What the dashboard shows about the running topology; read per request, so it can be filled in later. */
  dashboard?: DashboardInfo;
  /** Extra Elysia plugins mounted as they are (metrics). */
  plugins?: Array<Elysia<any, any, any, any, any, any, any>>;
  /** Generation jobs and templates (api/routes/jobs.ts), when this process serves them. */
  jobs?: JobsApi;
}

const PUBLIC = new Set(["/", "/health", "/ready", "/live"]);
/** Behind WEIR_METRICS_TOKEN or a credential unless WEIR_METRICS_PUBLIC=1. */
const OPERATIONAL = new Set(["/metrics", "/dashboard/stats.json"]);
const isPublic = (path: string) => PUBLIC.has(path) || path === "/docs" || path.startsWith("/docs/") || ((path === "/dashboard" || path.startsWith("/dashboard/")) && !OPERATIONAL.has(path));

function traceIdFrom(header: string | null): string {
  const m = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(header ?? "");
  return m && m[1] !== "0".repeat(32) ? m[1] : randomBytes(16).toString("hex");
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
  const limiter = new RateLimiter(clock, cfg.rateLimit.rps, cfg.rateLimit.burst);
  const tickets = deps.tickets ?? new TicketStore(clock, cfg.ticketTtlMs);
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

  async function ingestOne(tenant: string, m: IngestMessage, traceId: string): Promise<Accepted> {
    const { record, value } = toRecord(tenant, m, traceId);
    const rep = await deps.producer.produce(record);
    meter.ingested.inc({ tenant });
    return { messageId: String(value.id), conversationId: String(value.conversationId), traceId, topic: rep.topic, partition: rep.partition, offset: rep.offset };
  }

  /** Counts one request against `caller` and refuses it (429) when the caller's bucket is empty. */
  function admitCaller(caller: string, set: { headers: Record<string, unknown> }) {
    const d = limiter.take(caller);
    if (limiter.enabled) set.headers["x-ratelimit-remaining"] = String(d.remaining);
    if (!d.ok) {
      set.headers["retry-after"] = String(d.retryAfterS);
      throw new WeirError("RATE_LIMITED", `rate limit of ${cfg.rateLimit.rps}/s exceeded`, { retriable: true, details: { retryAfterS: d.retryAfterS } });
    }
  }

  /**
   * Authentication, then rate limiting, before anything reads the body: a caller whose credential
   * fails is counted by client address, one whose credential works by tenant. Rejected requests
   * (400, 401, 413, 415) have paid their token by then.
   */
  function admit(request: Request, authorization: string | undefined, set: { headers: Record<string, unknown> }): Principal {
    let principal: Principal;
    try {
      principal = authenticate(cfg.auth, authorization, clock.now());
    } catch (e) {
      admitCaller(`addr:${clientAddress(request)}`, set);
      throw e;
    }
    admitCaller(`tenant:${principal.tenant}`, set);
    return principal;
  }

  const vaultKeyring = vaultKeys(process.env);
  const readBody = (request: Request) => readJsonBody(request, { maxBodyBytes: cfg.maxBodyBytes, json: cfg.json });

  function needId(id: string): string {
    if (!isId(id)) throw new ValidationError("VALIDATION_FAILED", "request is invalid", [{ path: "/params/id", message: `must be ${ID_RULE}` }]);
    return id;
  }

  // Bodies are read by the routes themselves (parse: "none"), after authentication, through
  // readJsonBody; the TypeBox schemas still describe them in the OpenAPI document.
  const jsonBody = (schema: object, description: string) => ({ required: true, description, content: { "application/json": { schema } } });

  // Unnamed on purpose: Elysia de-duplicates named plugins, and each createApp needs its own.
  const v1 = new Elysia({ normalize: false })
    .derive({ as: "scoped" }, ({ request, headers, set }) => ({ principal: admit(request, headers.authorization, set) }))
    .use(deps.jobs ? jobRoutes({ jobs: deps.jobs, producer: deps.producer, readBody }) : new Elysia())
    .post(
      "/v1/messages",
      async ({ request, principal, headers, set }) => {
        const body = await readBody(request);
        if (!messages.check(body)) throw new ValidationError("VALIDATION_FAILED", "message is invalid", messages.issues(body));
        const tenant = principal.tenant;
        const traceId = traceIdFrom(headers.traceparent ?? null);
        const key = headers["idempotency-key"];
        if (!key) {
          set.status = 202;
          return ingestOne(tenant, body, traceId);
        }
        if (key.length > 200) throw new ValidationError("VALIDATION_FAILED", "bad Idempotency-Key", [{ path: "/headers/idempotency-key", message: "must be at most 200 characters" }]);
        // Same meaning, same fingerprint: keys in another order or other spacing are the same body.
        const hash = createHash("sha256").update(canonicalJson(body)).digest("hex");
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
        parse: "none",
        response: { 202: Accepted, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        detail: {
          summary: "Ingest one message",
          description: "Produced to Kafka; 202 only after the broker acknowledged it. Send `Idempotency-Key` to make retries safe.",
          tags: ["ingest"],
          requestBody: jsonBody(IngestMessage, "One support message"),
        } as never,
      },
    )
    .post(
      "/v1/messages/batch",
      async ({ request, principal, headers, set }) => {
        const body = await readBody(request);
        if (!batches.check(body)) throw new ValidationError("VALIDATION_FAILED", "request is invalid", batches.issues(body));
        if (body.messages.length > cfg.batchMax)
          throw new ValidationError("VALIDATION_FAILED", "batch too large", [{ path: "/messages", message: `must have at most ${cfg.batchMax} items`, expected: `≤ ${cfg.batchMax} items` }]);
        // One token per message: the request paid for the first on arrival.
        const charged = limiter.charge(`tenant:${principal.tenant}`, body.messages.length - 1);
        if (limiter.enabled) set.headers["x-ratelimit-remaining"] = String(charged.remaining);
        const traceId = traceIdFrom(headers.traceparent ?? null);
        const items: Array<{ index: number; status: "accepted" | "rejected"; result?: Accepted; error?: { code: string; message: string; issues?: FieldIssue[] } }> = [];
        const good: Array<{ index: number; record: ProduceRecord; value: Record<string, unknown> }> = [];
        body.messages.forEach((raw, index) => {
          if (messages.check(raw)) good.push({ index, ...toRecord(principal.tenant, raw, traceId) });
          else items.push({ index, status: "rejected", error: { code: "VALIDATION_FAILED", message: "message is invalid", issues: messages.issues(raw) } });
        });
        const reports = good.length ? await deps.producer.send(good.map((g) => g.record)) : [];
        await Promise.all(
          good.map(async (g, i) => {
            const r = reports[i];
            if (r.error) items.push({ index: g.index, status: "rejected", error: { code: r.error.code, message: r.error.message } });
            else {
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
        parse: "none",
        response: { 202: BatchReport, 207: BatchReport, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        detail: {
          summary: "Ingest up to WEIR_BATCH_MAX messages",
          description: "Per-item report; 207 when some items were rejected. Each message counts against the rate limit.",
          tags: ["ingest"],
          requestBody: jsonBody(Type.Object({ messages: Type.Array(IngestMessage, { minItems: 1 }) }), "Messages, validated one by one"),
        } as never,
      },
    )
    .post(
      "/v1/ws-ticket",
      ({ principal }) => {
        const t = tickets.issue(principal.tenant);
        return { ticket: t.ticket, expiresAt: t.expiresAt };
      },
      {
        parse: "none",
        response: { 200: WsTicket, 401: ErrorBody, 429: ErrorBody },
        detail: { summary: "A single-use ticket to open a WebSocket without a header", description: "Valid for WEIR_WS_TICKET_TTL_S seconds (60), one use: `/ws/stream?ticket=...`.", tags: ["stream"] },
      },
    )
    .post(
      "/v1/vault/open",
      async ({ request, principal }) => {
        // Two credentials: the tenant's ordinary one (already checked) and its vault key.
        if (!vaultKeyMatches(vaultKeyring.get(principal.tenant), request.headers.get("x-weir-vault-key") ?? undefined)) throw new WeirError("FORBIDDEN", "opening a vault needs the tenant's vault key in X-Weir-Vault-Key (WEIR_VAULT_KEYS)");
        const body = (await readBody(request)) as { conversationId?: unknown; messageId?: unknown };
        const issues = (["conversationId", "messageId"] as const).filter((f) => !isId(body?.[f])).map((f) => ({ path: `/${f}`, message: `must be ${ID_RULE}` }));
        if (issues.length) throw new ValidationError("VALIDATION_FAILED", "request is invalid", issues);
        const conversationId = String(body.conversationId);
        const messageId = String(body.messageId);
        const row = (await needStore(deps).insights(principal.tenant, conversationId)).find((r) => r.messageId === messageId);
        const vault = ((row?.result as { message?: { vault?: unknown } } | undefined)?.message?.vault ?? undefined) as Parameters<typeof openVault>[0] | undefined;
        if (!vault) throw new WeirError("NOT_FOUND", "no vault for this message (keepOriginal is off, or the message is not known)");
        const original = await openVault(vault, process.env.WEIR_PII_VAULT_KEY_REF ?? "env:WEIR_PII_VAULT_KEY", principal.tenant, messageId);
        // Audit: who opened which message's original (never its content).
        log.warn("vault opened", { tenant: principal.tenant, conversationId, messageId });
        return { messageId, original };
      },
      {
        parse: "none",
        detail: { summary: "The original of a redacted message, from its vault (keepOriginal must be on)", description: "Needs the tenant's credential and its vault key (X-Weir-Vault-Key, WEIR_VAULT_KEYS); every opening is logged. docs/security.md.", tags: ["query"] },
      },
    )
    .get(
      "/v1/conversations/:id",
      async ({ params, principal }) => {
        const id = needId(params.id);
        const c = await needStore(deps).conversation(principal.tenant, id);
        if (!c) throw new WeirError("NOT_FOUND", "conversation not found");
        return withoutVault(c) as never;
      },
      { response: { 200: Conversation, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody }, detail: { summary: "A conversation, its latest messages and rollup", tags: ["query"] } },
    )
    .get(
      "/v1/conversations/:id/insights",
      async ({ params, principal }) => {
        const id = needId(params.id);
        const rows = await needStore(deps).insights(principal.tenant, id);
        if (!rows.length && !(await needStore(deps).conversation(principal.tenant, id))) throw new WeirError("NOT_FOUND", "conversation not found");
        return { conversationId: id, insights: withoutVault(rows) } as never;
      },
      { response: { 200: InsightList, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody }, detail: { summary: "Aggregated insights per message (latest version each)", tags: ["query"] } },
    )
    .get(
      "/v1/search",
      async ({ query, principal }) => {
        if (!deps.search) throw new WeirError("SINK_FAILED", "search is not configured (set ELASTICSEARCH_URL)");
        const q = (query.q ?? "").trim();
        if (!q) throw new ValidationError("VALIDATION_FAILED", "missing query", [{ path: "/query/q", message: "is required" }]);
        return { query: q, hits: await deps.search(principal.tenant, q, Math.min(100, Number(query.limit ?? 20) || 20)) };
      },
      { response: { 200: SearchResult, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody }, detail: { summary: "Full-text search over messages and summaries", tags: ["query"] } },
    )
    .get(
      "/v1/conversations/:id/similar",
      async ({ params, query, principal }) => {
        const id = needId(params.id);
        if (!deps.similar) throw new WeirError("SINK_FAILED", "similarity search is not configured (set QDRANT_URL)");
        return { conversationId: id, similar: await deps.similar(principal.tenant, id, Math.min(50, Number(query.limit ?? 10) || 10)) };
      },
      { response: { 200: SimilarResult, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody }, detail: { summary: "Nearest conversations by embedding", tags: ["query"] } },
    );

  const probes = async () => Promise.all(Object.entries(deps.health ?? {}).map(([n, fn]) => runProbe(n, fn, clock)));

  /** /metrics (per-tenant labels) needs WEIR_METRICS_TOKEN; /dashboard/stats.json (process-wide figures) that or any credential. */
  function guardOperational(path: string, authorization: string | null) {
    if (cfg.metrics.public || !OPERATIONAL.has(path)) return;
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
    if (token && cfg.metrics.token && safeEqual(token, cfg.metrics.token)) return;
    if (path === "/metrics") throw new WeirError("UNAUTHORIZED", "metrics need the WEIR_METRICS_TOKEN bearer token (or WEIR_METRICS_PUBLIC=1)");
    authenticate(cfg.auth, authorization, clock.now());
  }

  /** Method and path of every route, for 405 answers (set once the app is built). */
  let routes: () => Array<{ method: string; path: string }> = () => [];
  const allowedMethods = (path: string) => {
    const out = new Set<string>();
    for (const r of routes()) {
      const re = new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}$`);
      if (re.test(path)) out.add(r.method.toUpperCase());
    }
    if (out.has("GET")) out.add("HEAD");
    return [...out].sort();
  };

  let app = new Elysia({ normalize: false })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, corsHeaders(request.headers.get("origin")));
      if (request.method === "OPTIONS" && cors.length) {
        return new Response(null, {
          status: 204,
          headers: { ...corsHeaders(request.headers.get("origin")), "access-control-allow-methods": "GET,POST,DELETE,OPTIONS", "access-control-allow-headers": "authorization,content-type,idempotency-key,traceparent", "access-control-max-age": "600" },
        });
      }
      guardOperational(new URL(request.url).pathname, request.headers.get("authorization"));
    })
    .onAfterResponse(({ route, set }) => {
      meter.requests.inc({ route: route || "unknown", status: String(set.status ?? 200) });
    })
    .onError(({ code, error, set, path, request }) => {
      let err: unknown = error;
      // A WeirError thrown from a hook may arrive under another code.
      const inner = (error as { cause?: unknown }).cause;
      if (error instanceof WeirError) err = error;
      else if (inner instanceof WeirError) err = inner;
      else if (code === "VALIDATION") {
        const all = (error as unknown as { all?: ValueError[] }).all ?? [];
        err = new ValidationError("VALIDATION_FAILED", "request is invalid", all.map(issueOf));
      } else if (code === "NOT_FOUND") {
        // A known path with another method is 405 with Allow, not "no such route".
        const allow = allowedMethods(path);
        if (allow.length) {
          set.headers.allow = allow.join(", ");
          err = new WeirError("METHOD_NOT_ALLOWED", `${new URL(request.url).pathname} does not accept ${request.method}; use ${allow.join(", ")}`);
        } else err = new WeirError("NOT_FOUND", "no such route");
      }
      else if (code === "PARSE") err = new ValidationError("VALIDATION_FAILED", "body is not valid JSON", [{ path: "/", message: "not valid JSON" }]);
      const h = toHttpError(err);
      if (h.status === 500) log.error("request failed", { err: h.error, path });
      else if (h.status >= 500) log.warn("request failed: dependency unavailable", { code: h.error.code, message: h.error.message, path });
      set.status = h.status;
      set.headers["content-type"] = "application/json";
      return h.body;
    })
    .use(docs({ IngestMessage, Accepted, BatchReport, ErrorBody, Conversation, Insight, InsightList, StreamEvent, WsTicket, SearchResult, SimilarResult, HealthReport }))
    .use(dashboardRoutes({ store: deps.store, info: (deps.dashboard ??= {}), principal: (h) => authenticate(cfg.auth, h, clock.now()) }))
    .get("/", ({ request }) => new Response(landingPage(new URL(request.url).origin), { headers: { "content-type": "text/html; charset=utf-8" } }), { detail: { hide: true } })
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
  const built = app.use(v1);
  routes = () => built.routes;
  return built;
}

function needStore(deps: ApiDeps): InsightStore {
  if (!deps.store) throw new WeirError("STORE_FAILED", "no store configured (set DATABASE_URL)");
  return deps.store;
}

export type WeirApp = ReturnType<typeof createApp>;
export { isPublic };
