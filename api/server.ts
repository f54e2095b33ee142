// Runs the API: one Bun server serving the Elysia app and the WebSocket routes
// (/ws/conversations/:id and /ws/stream, both tenant-scoped). Applies migrations at start-up when
// a store is configured, and mounts the observability engineer's plugins when they exist. Bun's
// own body cap is set out of reach so every oversized body gets the app's one 413 (the app
// enforces WEIR_MAX_BODY_BYTES from Content-Length and from the bytes it reads).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { systemClock } from "../engine/clock.ts";
import { ValidationError, WeirError } from "../engine/errors.ts";
import { logger } from "../engine/log.ts";
import { createApp, type ApiDeps } from "./app.ts";
import type { DashboardInfo } from "./dashboard/index.ts";
import { authenticate, type Principal } from "./auth.ts";
import { setClientAddress } from "./client-address.ts";
import { toHttpError } from "./errors.ts";
import { ID_RULE, isId } from "./identifiers.ts";
import type { StreamEvent } from "./schemas.ts";
import { TicketStore } from "./tickets.ts";
import { conversationTopic, jobTopic, tenantTopic, WsHub, type WsData } from "./ws/hub.ts";
import { tailTopic } from "./ws/topic-tail.ts";
import type { Transport } from "../engine/kafka/types.ts";

const log = logger("api");

export interface ServerHandle {
  readonly url: URL;
  readonly port: number;
  readonly hub: WsHub;
  readonly server: Server<WsData>;
  /** The development-only key, when no credentials are configured, and the file keeping it. */
  readonly devKey?: string;
  readonly devKeyFile?: string;
  /** Wires GET /v1/search once its backend exists (weir run creates sinks after the API, which the WebSocket sink needs). */
  setSearch(fn: NonNullable<ApiDeps["search"]>): void;
  /** Wires GET /v1/conversations/:id/similar likewise. */
  setSimilar(fn: NonNullable<ApiDeps["similar"]>): void;
  /** Tells the dashboard about the running topology (its picture, alert rules). */
  setDashboard(info: DashboardInfo): void;
  stop(): Promise<void>;
}

/** Elysia plugins owned by other modules, mounted when their files exist. */
async function optionalPlugins(): Promise<NonNullable<ApiDeps["plugins"]>> {
  const out: NonNullable<ApiDeps["plugins"]> = [];
  for (const rel of ["routes/metrics.ts"]) {
    const file = join(import.meta.dir, rel);
    if (!existsSync(file)) continue;
    try {
      const mod = (await import(file)) as Record<string, unknown>;
      for (const v of Object.values(mod)) if (v && typeof v === "object" && typeof (v as { handle?: unknown }).handle === "function") out.push(v as never);
    } catch (e) {
      log.warn("could not mount plugin", { file, err: e });
    }
  }
  return out;
}

function errorResponse(e: unknown) {
  const h = toHttpError(e);
  return new Response(JSON.stringify(h.body), { status: h.status, headers: { "content-type": "application/json" } });
}
const invalid = (path: string, message: string) => new ValidationError("VALIDATION_FAILED", "request is invalid", [{ path, message }]);

/** Who opens a WebSocket: a single-use `?ticket=` (POST /v1/ws-ticket), the Authorization header, or — discouraged, it ends up in logs — `?access_token=`. */
function wsPrincipal(req: Request, url: URL, deps: ApiDeps, tickets: TicketStore, now: number): Principal {
  const ticket = url.searchParams.get("ticket");
  if (ticket !== null) {
    const tenant = tickets.redeem(ticket);
    if (!tenant) throw new WeirError("UNAUTHORIZED", "ticket unknown, used or expired");
    return { tenant, via: "ticket" };
  }
  const tok = url.searchParams.get("access_token");
  return authenticate(deps.config.auth, req.headers.get("authorization") ?? (tok ? `Bearer ${tok}` : null), now);
}

/**
 * What a reconnecting client missed after `since`: the insights in seq order, then each touched
 * conversation's current rollup, carrying the seq of that conversation's latest insight.
 */
async function catchUp(store: NonNullable<ApiDeps["store"]>, tenant: string, since: number, conversationId?: string): Promise<StreamEvent[]> {
  const rows = await store.insightsSince(tenant, since, conversationId);
  const events: StreamEvent[] = rows.map((r) => ({ type: "insight", seq: r.seq, tenant, conversationId: r.conversationId, data: r.result }));
  const latest = new Map<string, number>();
  for (const r of rows) latest.set(r.conversationId, Math.max(latest.get(r.conversationId) ?? 0, r.seq));
  for (const [id, seq] of latest) {
    const c = await store.conversation(tenant, id, 1);
    if (c?.rollup) events.push({ type: "rollup", seq, tenant, conversationId: id, data: c.rollup });
  }
  return events;
}

/**
 * Starts the API server.
 * @example
 * const api = await startServer({ config: loadApiConfig(), producer, store });
 * // ... later
 * await api.stop();
 */
export async function startServer(deps: ApiDeps & { migrate?: boolean; embedded?: { transport: Transport } }): Promise<ServerHandle> {
  const cfg = deps.config;
  if (deps.store && deps.migrate !== false) await deps.store.prepare();
  const hub = new WsHub({
    maxBufferedBytes: cfg.ws.maxBufferedBytes,
    idleTimeoutS: cfg.ws.idleTimeoutS,
    catchUp: deps.store ? (tenant, since, conversationId) => catchUp(deps.store!, tenant, since, conversationId) : undefined,
    tail: deps.embedded ? (ws) => tailTopic(deps.embedded!.transport, ws) : undefined,
  });
  // Routes read search and similar from this object per request, so they can be set later.
  const tickets = deps.tickets ?? new TicketStore(deps.clock ?? systemClock, cfg.ticketTtlMs);
  const appDeps: ApiDeps = { ...deps, dashboard: deps.dashboard ?? {}, tickets, plugins: [...(deps.plugins ?? []), ...(await optionalPlugins())] };
  const app = createApp(appDeps);
  const clockNow = () => (deps.clock ?? { now: Date.now }).now();

  /** /ws/jobs/:id: a generation job's progress events, for its own tenant only. */
  function upgradeJob(req: Request, srv: Server<WsData>, url: URL, raw: string): Response | undefined {
    let jobId: string;
    try {
      jobId = decodeURIComponent(raw);
    } catch {
      return errorResponse(invalid("/params/id", "is not valid percent-encoding"));
    }
    if (!isId(jobId)) return errorResponse(invalid("/params/id", `must be ${ID_RULE}`));
    let tenant: string;
    try {
      tenant = wsPrincipal(req, url, deps, tickets, clockNow()).tenant;
    } catch (e) {
      return errorResponse(e);
    }
    if (srv.upgrade(req, { data: { tenant, topic: jobTopic(tenant, jobId) } })) return undefined;
    return errorResponse(invalid("/headers/upgrade", "expected a WebSocket upgrade"));
  }

  const server = Bun.serve<WsData>({
    port: cfg.port,
    hostname: cfg.host,
    // Out of reach on purpose: Bun's own 413 is an empty body with Connection: close; the app
    // answers every oversized body with its JSON 413 instead, without reading past the limit.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    websocket: hub.handler(),
    fetch(req, srv) {
      const url = new URL(req.url);
      if (!url.pathname.startsWith("/ws/")) {
        setClientAddress(req, srv.requestIP(req)?.address ?? "unknown");
        return app.handle(req);
      }
      const conv = /^\/ws\/conversations\/([^/]+)$/.exec(url.pathname);
      const job = /^\/ws\/jobs\/([^/]+)$/.exec(url.pathname);
      if (job) return upgradeJob(req, srv, url, job[1]);
      const tail = /^\/ws\/topics\/([A-Za-z0-9._-]{1,249})$/.exec(url.pathname);
      if (tail && !deps.embedded) return errorResponse(new WeirError("NOT_FOUND", "/ws/topics/ is served in embedded mode only; with Kafka use `weir tail TOPIC`"));
      if (!conv && !tail && url.pathname !== "/ws/stream") return errorResponse(new WeirError("NOT_FOUND", "no such route"));
      let conversationId: string | undefined;
      try {
        conversationId = conv ? decodeURIComponent(conv[1]) : undefined;
      } catch {
        return errorResponse(invalid("/params/id", "is not valid percent-encoding"));
      }
      if (conversationId !== undefined && !isId(conversationId)) return errorResponse(invalid("/params/id", `must be ${ID_RULE}`));
      const sinceRaw = url.searchParams.get("since");
      const since = sinceRaw === null ? undefined : Number(sinceRaw);
      if (since !== undefined && (!Number.isInteger(since) || since < 0)) return errorResponse(invalid("/query/since", "must be a non-negative integer"));
      let tenant: string;
      try {
        tenant = wsPrincipal(req, url, deps, tickets, clockNow()).tenant;
      } catch (e) {
        return errorResponse(e);
      }
      const data: WsData = tail
        ? { tenant, topic: "", tail: tail[1] }
        : { tenant, conversationId, since, topic: conversationId ? conversationTopic(tenant, conversationId) : tenantTopic(tenant) };
      if (srv.upgrade(req, { data })) return undefined;
      return errorResponse(invalid("/headers/upgrade", "expected a WebSocket upgrade"));
    },
    error(e) {
      return errorResponse(e);
    },
  });
  hub.attach(server);
  const url = new URL(`http://${cfg.host === "0.0.0.0" ? "127.0.0.1" : cfg.host}:${server.port}`);
  log.info("weir API listening", { url: url.href, docs: `${url.href}docs` });
  return {
    url,
    port: server.port!,
    hub,
    server,
    devKey: cfg.devKey,
    devKeyFile: cfg.devKeyFile,
    setSearch(fn) {
      appDeps.search = fn;
    },
    setSimilar(fn) {
      appDeps.similar = fn;
    },
    setDashboard(info) {
      Object.assign(appDeps.dashboard!, info);
    },
    async stop() {
      await server.stop(true);
    },
  };
}
