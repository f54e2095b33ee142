// The TopologyTestDriver: the support topology with no broker, and controllable time for the
// aggregator's deadline (partial, then the final amendment when a slow agent finishes).
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import { AGENTS } from "../../../../agents/index.ts";
import { defineAgent, type AgentDefinition } from "../../../../agents/agent.ts";
import { SupportMessage } from "../../../../agents/message.ts";
import { TopologyTestDriver } from "../../../../engine/testing/test-driver.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { loadTopology, parseTopology } from "../../../../topology/load.ts";

describe("TopologyTestDriver", () => {
  test("runs topology/support.yaml in-process: redaction, agents, aggregation, rollup", async () => {
    const driver = await TopologyTestDriver.create(loadTopology(resolve(import.meta.dir, "../../../../topology/support.yaml")), AGENTS);
    await driver.pipeInput("support.messages", [{ key: "c1", value: { id: "m1", conversationId: "c1", tenant: "acme", text: "I was charged twice on card 4111 1111 1111 1111!! Fix it today." } }]);
    await driver.advanceTime(1000);
    const out = driver.readOutput("support.insights").filter((r) => r.headers["weir.kind"] === "message");
    expect(out).toHaveLength(1);
    const result = out[0].value as { status: string; outputs: Record<string, any> };
    expect(result.status).toBe("final");
    expect(result.outputs.pii.redacted).toContain("[CARD]");
    expect(result.outputs.insights.intent).toBe("billing_charge_dispute");
    expect(result.outputs.validator.valid).toBe(true);
    const live = driver.sinks.live.records.filter((r) => r.kind === "rollup");
    expect(live.at(-1)!.value).toMatchObject({ conversationId: "c1", messages: 1, pii: { seen: true, types: ["card"] } });
    await driver.close();
  });

  test("deadline: a partial result names the missing agent, then a final amendment arrives", async () => {
    const slow = defineAgent({
      name: "slow",
      description: "waits ten seconds of pipeline time",
      input: SupportMessage,
      output: Type.Object({ ok: Type.Boolean() }),
      state: Type.Object({}),
      initialState: () => ({}),
      async offline(_i, ctx) {
        await ctx.clock.sleep(10_000);
        return { output: { ok: true } };
      },
    });
    const topo = parseTopology(
      `name: deadline
version: 1
sources: [{ name: raw, topic: in }]
agents:
  - { name: fast, agent: sentiment, input: raw }
  - { name: late, agent: summary, input: raw, timeoutMs: 60000 }
aggregator: { name: results, inputs: [fast, late], deadline: 2s, quorum: 1 }
sinks: [{ name: out, input: results, type: topic, topic: out }]
`,
      "deadline.yaml",
    );
    const driver = await TopologyTestDriver.create(topo, { sentiment: AGENTS.sentiment, summary: slow as unknown as AgentDefinition });
    await driver.pipeInput("in", [{ key: "c", value: { id: "m1", conversationId: "c", tenant: "t", text: "fine, thanks" } }]);
    expect(driver.readOutput("out").filter((r) => r.headers["weir.kind"] === "message")).toHaveLength(0);
    await driver.advanceTime(2_000, 500);
    let results = driver.readOutput("out").filter((r) => r.headers["weir.kind"] === "message").map((r) => r.value as { version: number; status: string; missing: string[] });
    expect(results).toEqual([expect.objectContaining({ version: 1, status: "partial", missing: ["late"] })]);
    await driver.advanceTime(8_500, 500);
    results = driver.readOutput("out").filter((r) => r.headers["weir.kind"] === "message").map((r) => r.value as { version: number; status: string; missing: string[] });
    expect(results.map((r) => [r.version, r.status])).toEqual([[1, "partial"], [2, "final"]]);
    await driver.close();
  }, 30_000);
});

describe("alerts", () => {
  test("a rule on the rollup sends one signed webhook when a conversation turns angry and urgent", async () => {
    const { verifySignature } = await import("../../../../engine/aggregator/alerts.ts");
    const received: Array<{ body: string; sig: string | null }> = [];
    const hook = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(req) { received.push({ body: await req.text(), sig: req.headers.get("x-weir-signature") }); return new Response("ok"); } });
    process.env.WEIR_TEST_ALERT_URL = `http://127.0.0.1:${hook.port}/hook`;
    process.env.WEIR_TEST_ALERT_SECRET = "s3cret";
    const topo = parseTopology(
      `name: alerting
version: 1
sources: [{ name: raw, topic: in }]
agents:
  - { name: sentiment, agent: sentiment, input: raw }
  - { name: insights, agent: insights, input: raw }
aggregator:
  name: results
  inputs: [sentiment, insights]
  deadline: 2s
  rollup: { by: conversationId, fold: support }
  alerts:
    - name: angry-and-urgent
      when: { sentiment: negative, urgency: [high, critical] }
      webhook: { url: "env:WEIR_TEST_ALERT_URL", secretEnv: WEIR_TEST_ALERT_SECRET }
sinks: [{ name: out, input: results, type: topic, topic: out }]
`,
      "alerting.yaml",
    );
    const driver = await TopologyTestDriver.create(topo, AGENTS);
    try {
      await driver.pipeInput("in", [
        { key: "c", value: { id: "m1", conversationId: "c", tenant: "t", text: "How do I export a report?" } },
        { key: "c", value: { id: "m2", conversationId: "c", tenant: "t", text: "This is STILL broken!! Unacceptable, fix it today or I cancel." } },
        { key: "c", value: { id: "m3", conversationId: "c", tenant: "t", text: "Still broken. Terrible!!" } },
      ]);
      await driver.advanceTime(500);
      await waitFor(() => received.length, "the alert webhook", 10_000);
      expect(received).toHaveLength(1);
      expect(verifySignature("s3cret", received[0].body, received[0].sig)).toBe(true);
      expect(JSON.parse(received[0].body)).toMatchObject({ rule: "angry-and-urgent", tenant: "t", conversationId: "c", messageId: "m2" });
    } finally {
      await driver.close();
      hook.stop(true);
    }
  }, 30_000);
});
