// The dashboard in headless Chromium, against `weir run topology/support.yaml` as a person starts it
// (embedded mode). The test posts varied messages, opens the page with `#key=`, and checks what a
// person looks for: recent insights with redacted text, sentiment, intent, urgency and time; the
// conversations with rolling sentiment; throughput and lag charts with axes and units; agent latency
// under headers; dead letters and alerts; the topology with stages and its disabled sinks off. A
// wrong key gets a plain refusal. Screenshots are kept in test-artifacts/.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { waitFor } from "../helpers/wait.ts";
import { startWeirRun, type WeirRun } from "../helpers/weir-run.ts";

const KEY = "key-acme";
const ARTIFACTS = resolve(import.meta.dir, "../../test-artifacts");
let run: WeirRun;

const MESSAGES = [
  { conversationId: "order-1042", text: "My card 4111 1111 1111 1111 was charged twice!! I want a refund now, this is urgent" },
  { conversationId: "order-1042", text: "Still nothing back, this is the third time I write. Escalate this immediately." },
  { conversationId: "login-77", text: "The app crashes every time I log in on my phone" },
  { conversationId: "praise-5", text: "Thanks a lot, the new export feature is great and saved me hours" },
  { conversationId: "login-77", text: "Email me at jane.doe@example.com when it is fixed please" },
];

beforeAll(async () => {
  run = await startWeirRun({ WEIR_API_KEYS: `acme:${KEY}` });
  for (const m of MESSAGES) {
    const res = await fetch(`${run.url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(m) });
    expect(res.status).toBe(202);
  }
  // Every message has its final insight before the page opens ("recent insights on open").
  await waitFor(async () => {
    const r = await fetch(`${run.url}/dashboard/recent.json`, { headers: { authorization: `Bearer ${KEY}` } });
    return ((await r.json()) as { insights: unknown[] }).insights.length === MESSAGES.length;
  }, "all insights stored", 30_000, 100);
}, 90_000);
afterAll(async () => {
  expect(await run?.stop()).toBe(0);
});

describe("dashboard", () => {
  test.skipIf(!hasChromium)("shows recent insights, conversations, charts, agents, alerts and the topology", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
      await page.goto(`${run.url}/dashboard#key=${KEY}`);
      // The key leaves the address bar.
      await page.waitForFunction(() => !location.hash.includes("key="));
      await page.waitForFunction((n) => document.querySelectorAll("#insights tbody tr.insight").length >= n, MESSAGES.length, { timeout: 20_000 });
      const rows = await page.$$eval("#insights tbody tr.insight", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      // Newest first; columns: time, conversation, text, sentiment, intent, urgency, status.
      expect(rows[0][1]).toBe("login-77");
      expect(rows[0][2]).toContain("[EMAIL]");
      const card = rows.find((r) => r[2].includes("charged twice"))!;
      expect(card[2]).toContain("[CARD]");
      expect(card[2]).not.toContain("4111");
      expect(card[0]).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      expect(card[3]).toStartWith("negative");
      expect(card[4]).toBe("billing_charge_dispute");
      expect(card[5]).toBe("high");
      expect(rows.find((r) => r[1] === "praise-5")![3]).toStartWith("positive");
      expect(await page.locator("body").innerText()).not.toContain("jane.doe@example.com");

      // Conversations with their rolling sentiment, newest first.
      const convs = await page.$$eval("#conversations tbody tr[data-conversation]", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      expect(convs.map((c) => c[0]).sort()).toEqual(["login-77", "order-1042", "praise-5"]);
      const order = convs.find((c) => c[0] === "order-1042")!;
      expect(order[1]).toBe("2");
      expect(order[2]).toMatch(/^negative \(-0\.\d\d\)$/);
      expect(order[5]).toContain("angry-and-urgent");
      expect(await page.textContent("#alerts")).toBe("1");
      expect(await page.$$eval("#alertrules tbody td", (tds) => tds.map((t) => t.textContent))).toEqual(["angry-and-urgent", "1", "off (no URL)"]);

      // Throughput and lag over time, with axes and units (two samples 2 s apart draw a line).
      await page.waitForSelector("#throughput polyline", { state: "attached", timeout: 20_000 });
      const axis = await page.$$eval("#throughput text", (ts) => ts.map((t) => t.textContent));
      expect(axis).toEqual(expect.arrayContaining(["records/s", "now", "0"]));
      expect(await page.$$eval("#lagchart text", (ts) => ts.map((t) => t.textContent))).toContain("records");
      expect(Number((await page.textContent("#consumed"))!.replace(/,/g, ""))).toBeGreaterThanOrEqual(MESSAGES.length);
      expect(await page.textContent("#dlq")).toBe("0");

      // Agent latency under headers, one row per agent.
      expect(await page.$$eval("#agents thead th", (ths) => ths.map((t) => t.textContent))).toEqual(["agent", "mean ms", "p95 ms", "messages", "in flight"]);
      const agents = await page.$$eval("#agents tbody tr", (trs) => trs.map((tr) => tr.querySelector("td")?.textContent));
      expect(agents).toEqual(expect.arrayContaining(["pii", "sentiment", "insights", "summary", "validator"]));

      // The topology: stages marked, and the sinks this process runs without (no URL) drawn off.
      expect(await page.$$eval("#graph [data-node][data-stage='llm']", (els) => els.map((e) => e.getAttribute("data-node")))).toEqual(["summary"]);
      expect(await page.$$eval("#graph [data-node][data-stage='fast']", (els) => els.length)).toBe(13);
      expect(await page.$$eval("#graph g[data-stage]:not([data-node]) text", (els) => els.map((e) => e.textContent))).toEqual(["stage fast", "stage llm"]);
      expect(await page.$$eval("#graph [data-node][data-off='true']", (els) => els.map((e) => e.getAttribute("data-node")).sort())).toEqual(["search", "similar"]);
      expect(await page.$$eval("#graph [data-node='live']", (els) => els[0].getAttribute("data-off"))).toBeNull();

      // Live: a new message arrives over the WebSocket without reloading.
      await page.waitForFunction(() => document.getElementById("ws")?.textContent === "connected", undefined, { timeout: 20_000 });
      await fetch(`${run.url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ conversationId: "praise-5", text: "Really happy with the support team today" }) });
      await page.waitForFunction(() => document.querySelector("#insights tbody tr.insight")?.textContent?.includes("Really happy"), undefined, { timeout: 20_000 });

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: resolve(ARTIFACTS, "dashboard.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 90_000);

  test.skipIf(!hasChromium)("a refused key is said plainly, for #key= and ?access_token= alike", async () => {
    const browser = await launchChromium();
    try {
      for (const path of ["/dashboard#key=wrong-key", "/dashboard?access_token=wrong-key"]) {
        const page = await browser.newPage();
        await page.goto(run.url + path);
        await page.waitForSelector("#auth.show", { timeout: 20_000 });
        expect(await page.textContent("#auth")).toContain("The API refused this key: unknown API key or token");
        expect(await page.textContent("#ws")).toBe("no access");
        await page.close();
      }
      // ?access_token= with the right key works like #key=.
      const page = await browser.newPage();
      await page.goto(`${run.url}/dashboard?access_token=${KEY}`);
      await page.waitForFunction(() => document.getElementById("ws")?.textContent === "connected", undefined, { timeout: 20_000 });
      expect(await page.isVisible("#auth.show")).toBe(false);
      await page.screenshot({ path: resolve(ARTIFACTS, "dashboard-access-token.png") });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
