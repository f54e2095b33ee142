// The dashboard in headless Chromium (Debian's, driven by playwright-core): the page loads, live
// insights arrive over the WebSocket, throughput moves, and a screenshot is saved as an artefact.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { loadApiConfig } from "../../api/config.ts";
import { setDashboardGraph } from "../../api/dashboard/index.ts";
import { startServer, type ServerHandle } from "../../api/server.ts";
import { metrics } from "../../engine/observability/metrics.ts";
import { WebSocketSink } from "../../engine/sinks/websocket-sink.ts";
import { createMemoryTransport } from "../../engine/transport/memory.ts";
import { loadTopology } from "../../topology/load.ts";
import { toSvg } from "../../topology/graph.ts";

const CHROMIUM = process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
let api: ServerHandle;

beforeAll(async () => {
  const t = createMemoryTransport();
  api = await startServer({ config: loadApiConfig({ WEIR_API_KEYS: "acme:key-acme", PORT: "0", HOST: "127.0.0.1" }), producer: t.producer() });
  setDashboardGraph(toSvg(loadTopology(resolve(import.meta.dir, "../../topology/support.yaml"))));
});
afterAll(async () => {
  await api?.stop();
});

describe("dashboard", () => {
  test.skipIf(!hasChromium)("loads, shows live insights and throughput, and is screenshotted", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const sink = new WebSocketSink(api.hub);
    const consumed = metrics.counter("weir_consumed_records_total", "Records consumed, per topic");
    let n = 0;
    const feed = setInterval(() => {
      n++;
      consumed.inc({ topic: "support.messages" }, 50);
      void sink.write([{ key: `m-${n}`, tenant: "acme", version: 1, kind: "message", headers: {}, timestamp: Date.now(), value: { messageId: `m-${n}`, conversationId: `c-${n % 3}`, tenant: "acme", status: "final", outputs: { sentiment: { label: n % 2 ? "negative" : "positive" }, insights: { intent: "billing_refund", urgency: "high" } } } }]);
    }, 200);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(new URL("/dashboard?key=key-acme", api.url).href);
      await page.waitForFunction(() => document.getElementById("ws")?.textContent === "connected", undefined, { timeout: 20_000 });
      await page.waitForFunction(() => document.querySelectorAll("#insights li").length >= 3, undefined, { timeout: 20_000 });
      await page.waitForFunction(() => Number(document.getElementById("consumed")?.textContent) > 0, undefined, { timeout: 20_000 });
      // Throughput needs two polls; the sparkline then has points.
      await page.waitForFunction(() => Number(document.getElementById("rate")?.textContent) > 0, undefined, { timeout: 20_000 });
      const items = await page.$$eval("#insights li", (els) => els.map((e) => e.textContent ?? ""));
      expect(items[0]).toContain("billing_refund");
      expect(await page.$$eval("#graph [data-node]", (els) => els.length)).toBeGreaterThan(5);
      mkdirSync(resolve(import.meta.dir, "../../test-artifacts"), { recursive: true });
      await page.screenshot({ path: resolve(import.meta.dir, "../../test-artifacts/dashboard.png") });
    } finally {
      clearInterval(feed);
      await browser.close();
    }
  }, 60_000);
});
