// Runs the API: one Bun server serving the Elysia app and the WebSocket routes
// (/ws/conversations/:id and /ws/stream, both tenant-scoped). Applies migrations at start-up when
// a store is configured, and mounts the observability engineer's plugins when they exist.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { WeirError } from "../engine/errors.ts";
import { logger } from "../engine/log.ts";
import { createApp, type ApiDeps } from "./app.ts";
import { authenticate } from "./auth.ts";
import { toHttpError } from "./errors.ts";
import type { StreamEvent } from "./schemas.ts";
import { conversationTopic, tenantTopic, WsHub, type WsData } from "./ws/hub.ts";

const log = logger("api");

export interface ServerHandle {
  readonly url: URL;
  readonly port: number;
  readonly hub: WsHub;
  readonly server: Server<WsData>;
  /** Wires GET /v1/search once its backend exists (weir run creates sinks after the API, which the WebSocket sink needs). */
  setSearch(fn: NonNullable<ApiDeps["search"]>): void;
  /** Wires GET /v1/conversations/:id/similar likewise. */
  setSimilar(fn: NonNullable<ApiDeps["similar"]>): void;
  stop(): Promise<void>;
}

/** Elysia plugins owned by other modules, mounted when their files exist. */
async function optionalPlugins(): Promise<NonNullable<ApiDeps["plugins"]>> {
  const out: NonNullable<ApiDeps["plugins"]> = [];
  for (const rel of ["routes/metrics.ts", "dashboard/index.ts"]) {
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

function wsError(status: number, code: string, message: string) {
  return new Response(JSON.stringify({ error: { code, message, retriable: false } }), { status, headers: { "content-type": "application/json" } });
}

/**
 * Starts the API server.
 * @example
 * const api = await startServer({ config: loadApiConfig(), producer, store });
 * // ... later
 * await api.stop();
 */
export async function startServer(deps: ApiDeps & { migrate?: boolean }): Promise<ServerHandle> {
  const cfg = deps.config;
  if (deps.store && deps.migrate !== false) await deps.store.prepare();
  const hub = new WsHub({
    maxBufferedBytes: cfg.ws.maxBufferedBytes,
    idleTimeoutS: cfg.ws.idleTimeoutS,
    catchUp: deps.store
      ? async (tenant, since, conversationId) =>
          (await deps.store!.insightsSince(tenant, since, conversationId)).map((r): StreamEvent => ({ type: "insight", seq: r.seq, tenant, conversationId: r.conversationId, data: r.result }))
      : undefined,
  });
  // Routes read search and similar from this object per request, so they can be set later.
  const appDeps: ApiDeps = { ...deps, plugins: [...(deps.plugins ?? []), ...(await optionalPlugins())] };
  const app = createApp(appDeps);
  const clockNow = () => (deps.clock ?? { now: Date.now }).now();

  const server = Bun.serve<WsData>({
    port: cfg.port,
    hostname: cfg.host,
    maxRequestBodySize: cfg.maxBodyBytes + 64 * 1024,
    websocket: hub.handler(),
    fetch(req, srv) {
      const url = new URL(req.url);
      if (!url.pathname.startsWith("/ws/")) return app.handle(req);
      const conv = /^\/ws\/conversations\/([^/]+)$/.exec(url.pathname);
      if (!conv && url.pathname !== "/ws/stream") return wsError(404, "NOT_FOUND", `no route ${url.pathname}`);
      let tenant: string;
      try {
        // Browsers cannot set headers on a WebSocket: `?access_token=` is accepted too.
        const tok = url.searchParams.get("access_token");
        tenant = authenticate(cfg.auth, req.headers.get("authorization") ?? (tok ? `Bearer ${tok}` : null), clockNow()).tenant;
      } catch (e) {
        const h = toHttpError(e);
        return new Response(JSON.stringify(h.body), { status: h.status, headers: { "content-type": "application/json" } });
      }
      const sinceRaw = url.searchParams.get("since");
      const since = sinceRaw === null ? undefined : Number(sinceRaw);
      if (since !== undefined && (!Number.isInteger(since) || since < 0)) return wsError(400, "VALIDATION_FAILED", "since must be a non-negative integer");
      const conversationId = conv ? decodeURIComponent(conv[1]) : undefined;
      const data: WsData = { tenant, conversationId, since, topic: conversationId ? conversationTopic(tenant, conversationId) : tenantTopic(tenant) };
      if (srv.upgrade(req, { data })) return undefined;
      return wsError(426, "VALIDATION_FAILED", "expected a WebSocket upgrade");
    },
    error(e) {
      const h = toHttpError(e instanceof WeirError ? e : e);
      return new Response(JSON.stringify(h.body), { status: h.status, headers: { "content-type": "application/json" } });
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
    setSearch(fn) {
      appDeps.search = fn;
    },
    setSimilar(fn) {
      appDeps.similar = fn;
    },
    async stop() {
      await server.stop(true);
    },
  };
}
