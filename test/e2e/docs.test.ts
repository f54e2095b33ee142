// /docs in headless Chromium with the network blocked: the API reference must come entirely from
// this server (no CDN) and show the endpoints and what to send (the message schema).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { loadApiConfig } from "../../api/config.ts";
import { startServer, type ServerHandle } from "../../api/server.ts";
import { createMemoryTransport } from "../../engine/transport/memory.ts";
import { blockNetwork, hasChromium, launchChromium } from "../helpers/browser.ts";

let api: ServerHandle;
beforeAll(async () => {
  api = await startServer({ config: loadApiConfig({ WEIR_API_KEYS: "acme:key-acme", PORT: "0", HOST: "127.0.0.1" }), producer: createMemoryTransport().producer() });
});
afterAll(async () => {
  await api?.stop();
});

describe("/docs", () => {
  test("the OpenAPI document has request bodies and named schemas from the TypeBox schemas", async () => {
    const doc = (await (await fetch(new URL("/docs/json", api.url))).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const body = doc.paths["/v1/messages"].post.requestBody!.content["application/json"].schema;
    expect(body.required).toEqual(["text"]);
    expect(Object.keys(body.properties!)).toEqual(["id", "conversationId", "text", "author", "channel", "timestamp", "metadata"]);
    expect(doc.paths["/v1/messages/batch"].post.requestBody!.content["application/json"].schema.required).toEqual(["messages"]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["IngestMessage", "Accepted", "ErrorBody", "Insight", "StreamEvent", "HealthReport"]));
  });

  test.skipIf(!hasChromium)("renders offline: endpoints and the message schema, nothing fetched from elsewhere", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const refused = await blockNetwork(page, api.url.origin);
      await page.goto(new URL("/docs", api.url).href);
      // Scalar (the pinned @scalar/api-reference bundle, served by weir) renders from /docs/json.
      await page.waitForFunction(() => document.body.innerText.includes("/v1/messages/batch"), undefined, { timeout: 30_000 });
      // Scalar collapses groups: open them all, as a reader would.
      for (let i = 0; i < 10; i++) {
        const more = page.getByText("Show More", { exact: true });
        if (!(await more.count())) break;
        await more.first().click();
      }
      const text = await page.evaluate(() => document.body.innerText);
      for (const path of ["/v1/messages", "/v1/messages/batch", "/live", "/ready", "/health"]) expect(text).toContain(path);
      for (const group of ["ingest", "query", "stream", "Models"]) expect(text).toContain(group);
      expect(await page.evaluate(() => Boolean(document.querySelector("script[src='/docs/assets/scalar.js']")))).toBe(true);
      // What to send: the message body's fields are on the page.
      for (const field of ["conversationId", "author", "channel", "metadata"]) expect(text).toContain(field);
      expect(refused).toEqual([]);
      mkdirSync(resolve(import.meta.dir, "../../test-artifacts"), { recursive: true });
      await page.screenshot({ path: resolve(import.meta.dir, "../../test-artifacts/docs.png") });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
