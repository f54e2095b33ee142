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
      await page.waitForSelector("section.op[data-path='/v1/messages'][data-method='post']", { timeout: 20_000 });
      const endpoints = await page.$$eval("section.op[data-path]", (els) => els.map((e) => `${e.getAttribute("data-method")!.toUpperCase()} ${e.getAttribute("data-path")}`));
      expect(endpoints).toEqual(expect.arrayContaining(["POST /v1/messages", "POST /v1/messages/batch", "GET /v1/conversations/{id}/insights", "GET /ready"]));
      // What to send: the request body's fields, with `text` marked required.
      const post = page.locator("section.op[data-path='/v1/messages'][data-method='post']");
      const text = await post.innerText();
      expect(text).toContain("Request body (application/json)");
      for (const field of ["conversationId", "text", "author", "channel", "metadata"]) expect(text).toContain(field);
      expect(await post.locator("tr", { hasText: /^text/ }).first().innerText()).toContain("required");
      expect(await page.locator("#schema-IngestMessage").innerText()).toContain("conversationId");
      expect(refused).toEqual([]);
      mkdirSync(resolve(import.meta.dir, "../../test-artifacts"), { recursive: true });
      await page.screenshot({ path: resolve(import.meta.dir, "../../test-artifacts/docs.png") });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
