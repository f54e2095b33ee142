import { afterAll, expect, test } from "bun:test";
import { verifySignature } from "../../../../engine/aggregator/alerts.ts";
import { WebhookSink } from "../../../../engine/sinks/webhook-sink.ts";

const got: Array<{ body: string; sig: string | null }> = [];
const server = Bun.serve({ port: 0, async fetch(req) { got.push({ body: await req.text(), sig: req.headers.get("x-weir-signature") }); return new Response("ok"); } });
afterAll(() => server.stop(true));

test("sends only the configured kinds, each signed", async () => {
  const sink = new WebhookSink({ url: `http://127.0.0.1:${server.port}/`, secret: "hook", kinds: ["alert"] });
  await sink.write([
    { key: "c-1", tenant: "acme", version: 1, kind: "alert", value: { rule: "pii" }, headers: {}, timestamp: 1 },
    { key: "m-1", tenant: "acme", version: 1, kind: "message", value: {}, headers: {}, timestamp: 1 },
  ]);
  expect(got.length).toBe(1);
  expect(JSON.parse(got[0].body)).toEqual({ kind: "alert", tenant: "acme", key: "c-1", version: 1, value: { rule: "pii" } });
  expect(verifySignature("hook", got[0].body, got[0].sig)).toBe(true);
});
