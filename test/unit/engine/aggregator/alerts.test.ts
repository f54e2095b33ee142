import { afterAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { ManualClock, systemClock } from "../../../../engine/clock.ts";
import { AlertNotifier, sendWebhook, sign, verifySignature, type AlertRule } from "../../../../engine/aggregator/alerts.ts";
import { foldRollup } from "../../../../agents/rollup.ts";
import type { AggregatedResultShape as AggregatedResult } from "../../../../engine/aggregator/schema.ts";

// A real local HTTP receiver (port 0) that fails the first N requests, recording what it got.
const received: Array<{ body: string; sig: string | null; ts: string | null }> = [];
let failFirst = 0;
const server = Bun.serve({
  port: 0,
  async fetch(req) {
    const body = await req.text();
    if (failFirst > 0) {
      failFirst--;
      return new Response("busy", { status: 503 });
    }
    received.push({ body, sig: req.headers.get("x-weir-signature"), ts: req.headers.get("x-weir-timestamp") });
    return new Response("ok");
  },
});
afterAll(() => server.stop(true));
const url = `http://127.0.0.1:${server.port}/hook`;

describe("webhook signing", () => {
  test("signature is HMAC-SHA256 of the raw body and verifies; tampering fails", () => {
    const body = JSON.stringify({ rule: "angry", conversationId: "c-1" });
    const s = sign("s3cret", body);
    expect(s).toBe(`sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`);
    expect(verifySignature("s3cret", body, s)).toBe(true);
    expect(verifySignature("s3cret", body.replace("c-1", "c-2"), s)).toBe(false);
    expect(verifySignature("other", body, s)).toBe(false);
    expect(verifySignature("s3cret", body, null)).toBe(false);
  });

  test("retries 5xx with backoff, then delivers a body whose signature verifies", async () => {
    received.length = 0;
    failFirst = 2;
    const r = await sendWebhook(url, { hello: "ops" }, "k", { clock: systemClock, baseDelayMs: 1 });
    expect(r).toEqual({ status: 200, attempts: 3 });
    expect(received.length).toBe(1);
    expect(verifySignature("k", received[0].body, received[0].sig)).toBe(true);
    expect(Number(received[0].ts)).toBeGreaterThan(0);
  });

  test("gives up after the attempts with a retriable SINK_FAILED", async () => {
    failFirst = 10;
    await expect(sendWebhook(url, {}, "k", { clock: systemClock, attempts: 2, baseDelayMs: 1 })).rejects.toMatchObject({ code: "SINK_FAILED", retriable: true });
    failFirst = 0;
  });
});

describe("AlertNotifier", () => {
  const rules: AlertRule[] = [
    { name: "angry-urgent", when: { sentiment: "negative", urgency: ["high", "critical"] }, webhook: { url } },
    { name: "pii", when: { piiSeen: true }, webhook: { url } },
  ];
  const ALL = ["sentiment", "pii", "insights", "summary"];
  const res = (id: string, outputs: Record<string, unknown>): AggregatedResult => ({ messageId: id, conversationId: "c-9", tenant: "acme", version: 1, status: "final", missing: [], failed: [], outputs, message: {} });

  test("fires once when a conversation enters the alert state, signed with the rule's secret", async () => {
    received.length = 0;
    const n = new AlertNotifier(rules, { clock: new ManualClock(5), secret: () => "alert-secret", baseDelayMs: 1 });
    const r1 = res("m-1", { sentiment: { score: 0.4 } });
    let roll = foldRollup(undefined, r1, ALL, 1);
    expect(await n.evaluate(roll, r1)).toEqual([]);
    const r2 = res("m-2", { sentiment: { score: -0.9 }, insights: { urgency: "critical" } });
    roll = foldRollup(roll, r2, ALL, 2);
    roll = foldRollup(roll, res("m-2b", { sentiment: { score: -0.9 } }), ALL, 2);
    const sent = await n.evaluate(roll, r2);
    expect(sent.map((a) => [a.rule, a.messageId])).toEqual([["angry-urgent", "m-2"]]);
    expect(await n.evaluate(roll, r2)).toEqual([]);
    expect(received.length).toBe(1);
    expect(verifySignature("alert-secret", received[0].body, received[0].sig)).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({ rule: "angry-urgent", tenant: "acme", conversationId: "c-9" });
  });
});
