// GET /dashboard and the data it reads. The page (api/dashboard/page.ts) authenticates the one way
// the API does: an API key sent as `Authorization: Bearer` (taken from `#key=` in the address, or
// typed in), and a single-use ticket from POST /v1/ws-ticket for the WebSocket. It reads:
//   /dashboard/stats.json   process figures over time (throughput, lag, dead letters, agent latency)
//   /dashboard/recent.json  the caller's tenant's latest insights and conversations, with alert counts
//   /dashboard/graph.svg    the running topology, stages marked and disabled sinks drawn off
// stats.json is operational (WEIR_METRICS_TOKEN or any credential, api/app.ts); recent.json is
// tenant data and needs the tenant's credential; the page and the graph are public.
import { Elysia } from "elysia";
import type { InsightStore } from "../../engine/contracts/insight-store.ts";
import { WeirError } from "../../engine/errors.ts";
import type { Principal } from "../auth.ts";
import { dashboardStats } from "./stats.ts";
import { PAGE } from "./page.ts";

/** What `weir run` tells the dashboard about the running topology (set once the sinks exist). */
export interface DashboardInfo {
  svg?: string;
  topology?: string;
  /** The aggregator's alert rules, so the page can count conversations in each alert state. */
  alerts?: Array<{ name: string; when: { sentiment?: string; urgency?: string[]; piiSeen?: boolean; intent?: string[] }; webhook?: boolean }>;
}

export interface DashboardDeps {
  store?: InsightStore;
  info: DashboardInfo;
  /** Authenticates a request's Authorization header (api/app.ts supplies it). */
  principal(authorization: string | null): Principal;
}

type Rollup = { sentiment?: { label?: string; score?: number; trend?: number[] }; urgency?: string; pii?: { seen?: boolean }; intents?: Record<string, number>; messages?: number; updatedAt?: number; summary?: string };

/** Whether a conversation's rollup is in a rule's alert state (the aggregator's rule, read on the rollup alone). */
function alerting(rule: NonNullable<DashboardInfo["alerts"]>[number], r: Rollup, lastIntent: string | undefined): boolean {
  const w = rule.when;
  if (w.sentiment && r.sentiment?.label !== w.sentiment) return false;
  if (w.urgency && !w.urgency.includes(String(r.urgency))) return false;
  if (w.piiSeen !== undefined && Boolean(r.pii?.seen) !== w.piiSeen) return false;
  if (w.intent && !(lastIntent && w.intent.includes(lastIntent))) return false;
  return true;
}

/** The tenant's latest insights (newest first), the conversations they belong to with rollups, and alert counts. */
async function recent(store: InsightStore, tenant: string, info: DashboardInfo, limit: number) {
  const rows = store.recentInsights ? await store.recentInsights(tenant, limit) : (await store.insightsSince(tenant, 0, undefined, 10_000)).slice(-limit).reverse();
  const insights = rows.map((r) => {
    const o = (r.result.outputs ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const msg = (r.result.message ?? {}) as Record<string, unknown>;
    return {
      seq: r.seq,
      messageId: r.messageId,
      conversationId: r.conversationId,
      status: r.status,
      version: r.version,
      text: String(o.pii?.redacted ?? msg.text ?? ""),
      sentiment: o.sentiment ? { label: o.sentiment.label, score: o.sentiment.score } : null,
      intent: o.insights?.intent ?? null,
      urgency: o.insights?.urgency ?? null,
      at: typeof msg.timestamp === "number" ? msg.timestamp : null,
    };
  });
  const conversations: Array<{ conversationId: string; messages: number; updatedAt: number; rollup: Record<string, unknown> | null; alerts: string[] }> = [];
  const seen = new Map<string, string | undefined>();
  for (const i of insights) if (!seen.has(i.conversationId)) seen.set(i.conversationId, typeof i.intent === "string" ? i.intent : undefined);
  for (const [id, lastIntent] of seen) {
    const c = await store.conversation(tenant, id, 1);
    if (!c) continue;
    const r = (c.rollup ?? {}) as Rollup;
    conversations.push({ conversationId: id, messages: c.messageCount, updatedAt: c.updatedAt, rollup: c.rollup, alerts: (info.alerts ?? []).filter((rule) => alerting(rule, r, lastIntent)).map((a) => a.name) });
  }
  const alerts = (info.alerts ?? []).map((a) => ({ rule: a.name, webhook: a.webhook ?? false, conversations: conversations.filter((c) => c.alerts.includes(a.name)).length }));
  return { insights, conversations, alerts };
}

/**
 * The dashboard routes; api/app.ts mounts them with its store and authentication.
 * @example
 * app.use(dashboardRoutes({ store, info, principal: (h) => authenticate(cfg.auth, h, Date.now()) }))
 */
export function dashboardRoutes(deps: DashboardDeps) {
  return new Elysia()
    .get("/dashboard", () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }), { detail: { summary: "Live dashboard", tags: ["operations"] } })
    .get("/dashboard/stats.json", () => dashboardStats(), { detail: { summary: "Dashboard figures: throughput, lag, dead letters, agent latency, over time", tags: ["operations"] } })
    .get(
      "/dashboard/recent.json",
      async ({ request, query }) => {
        const { tenant } = deps.principal(request.headers.get("authorization"));
        if (!deps.store) throw new WeirError("STORE_FAILED", "no store configured (set DATABASE_URL, or run `weir run`, which keeps results in memory)");
        return { tenant, topology: deps.info.topology ?? null, ...(await recent(deps.store, tenant, deps.info, Math.min(200, Number(query.limit ?? 50) || 50))) };
      },
      { detail: { summary: "The tenant's latest insights and conversations, with alert counts", tags: ["operations"] } },
    )
    .get("/dashboard/graph.svg", () => {
      const svg = deps.info.svg ?? "<p>No topology loaded: this process runs the API alone.</p>";
      return new Response(svg, { headers: { "content-type": svg.startsWith("<svg") ? "image/svg+xml" : "text/html" } });
    }, { detail: { summary: "Topology graph", tags: ["operations"] } });
}
