// GET /dashboard: a small live page (no build step) with throughput, lag and agent latency (polled
// from /dashboard/stats.json), the stream of aggregated insights over the tenant WebSocket, and the
// topology graph. The page takes the API key from `#key=` (or `?key=`), sends it as a header, and
// opens the WebSocket with a single-use ticket from POST /v1/ws-ticket. stats.json needs a
// credential (api/app.ts guards it); the page and graph are public.
import { Elysia } from "elysia";
import { dashboardStats } from "./stats.ts";
import { PAGE } from "./page.ts";

let graphSvg = "<p>No topology loaded.</p>";
/** `weir run` hands over the running topology's picture (topology/graph.ts toSvg). */
export function setDashboardGraph(svg: string): void {
  graphSvg = svg;
}

export const dashboardRoute = new Elysia({ name: "weir-dashboard" })
  .get("/dashboard", () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }), { detail: { summary: "Live dashboard", tags: ["operations"] } })
  .get("/dashboard/stats.json", () => dashboardStats(), { detail: { summary: "Dashboard figures", tags: ["operations"] } })
  .get("/dashboard/graph.svg", () => new Response(graphSvg, { headers: { "content-type": graphSvg.startsWith("<svg") ? "image/svg+xml" : "text/html" } }), { detail: { summary: "Topology graph", tags: ["operations"] } });
