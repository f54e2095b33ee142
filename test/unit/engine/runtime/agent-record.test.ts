// An agent may rewrite the record for everything downstream of it (the pii agent's redaction step
// relies on it): child agents, the aggregator's result and sinks see the rewritten record; nodes
// upstream or beside it do not.
import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { defineAgent, type AgentDefinition } from "../../../../agents/agent.ts";
import { TopologyTestDriver } from "../../../../engine/testing/test-driver.ts";
import { parseTopology } from "../../../../topology/load.ts";

const Msg = Type.Object({ id: Type.String(), conversationId: Type.String(), text: Type.String() }, { additionalProperties: true });
const scrub = defineAgent({
  name: "scrub",
  description: "replaces digits in text with #",
  input: Msg,
  output: Type.Object({ n: Type.Integer() }),
  state: Type.Object({}),
  initialState: () => ({}),
  offline: (input) => ({ output: { n: (input.text.match(/\d/g) ?? []).length }, record: { ...input, text: input.text.replace(/\d/g, "#") } }),
});
const echo = defineAgent({
  name: "echo",
  description: "returns the text it saw",
  input: Msg,
  output: Type.Object({ saw: Type.String() }),
  state: Type.Object({}),
  initialState: () => ({}),
  offline: (input) => ({ output: { saw: input.text } }),
});
const broken = defineAgent({ ...scrub, name: "broken", offline: () => ({ output: { n: 0 }, record: [] as unknown as Record<string, unknown> }) });

// Agent kinds are a closed list in topology files for now, so the test agents stand in for two of them.
const topo = () =>
  parseTopology(
    `name: record-rewrite
version: 1
sources: [{ name: raw, topic: in }]
agents:
  - { name: scrub, agent: pii, input: raw }
  - { name: echo, agent: sentiment, input: scrub }
aggregator: { name: results, inputs: [scrub, echo], deadline: 2s }
sinks:
  - { name: out, input: results, type: topic, topic: out }
  - { name: early, input: raw, type: topic, topic: early }
  - { name: after, input: scrub, type: topic, topic: after }
deadLetter: { topic: dlq }
`,
    "record.yaml",
  );

describe("an agent's record", () => {
  test("replaces the record downstream: child agents, the aggregated message and sinks", async () => {
    const driver = await TopologyTestDriver.create(topo(), { pii: scrub as unknown as AgentDefinition, sentiment: echo as unknown as AgentDefinition });
    await driver.pipeInput("in", [{ key: "c", value: { id: "m1", conversationId: "c", text: "card 4111 1111" } }]);
    await driver.advanceTime(100);
    const [result] = driver.readOutput("out").filter((r) => r.headers["weir.kind"] === "message").map((r) => r.value as { status: string; message: { text: string }; outputs: Record<string, any> });
    expect(result.status).toBe("final");
    expect(result.message.text).toBe("card #### ####");
    expect(result.outputs).toEqual({ scrub: { n: 8 }, echo: { saw: "card #### ####" } });
    expect((driver.readOutput("after")[0].value as { text: string }).text).toBe("card #### ####");
    // A sink fed straight from the source sits before the rewriting step.
    expect((driver.readOutput("early")[0].value as { text: string }).text).toBe("card 4111 1111");
    await driver.close();
  });

  test("a record that is not an object fails the agent (dead-lettered), it does not reach downstream", async () => {
    const driver = await TopologyTestDriver.create(topo(), { pii: broken as unknown as AgentDefinition, sentiment: echo as unknown as AgentDefinition });
    await driver.pipeInput("in", [{ key: "c", value: { id: "m1", conversationId: "c", text: "card 4111" } }]);
    await driver.advanceTime(3_000, 500);
    expect(driver.readOutput("dlq")).toHaveLength(1);
    const results = driver.readOutput("out").filter((r) => r.headers["weir.kind"] === "message").map((r) => r.value as { failed: string[] });
    expect(results.at(-1)!.failed).toEqual(["scrub"]);
    expect(driver.readOutput("after")).toHaveLength(0);
    await driver.close();
  });
});

describe("dead letters and operator failures", () => {
  const failing = defineAgent({ ...echo, name: "failing", offline: () => { throw new Error("model said no"); } });

  test("an agent failure dead-letters the record as consumed, not as the operators left it", async () => {
    const topology = parseTopology(
      `name: dlq-original
version: 1
sources: [{ name: raw, topic: in }]
operators:
  - { name: slim, input: raw, type: map, pick: [id, conversationId, text] }
agents:
  - { name: echo, agent: sentiment, input: slim, retry: { attempts: 0 } }
sinks: [{ name: out, input: echo, type: topic, topic: out }]
deadLetter: { topic: dlq }
`,
      "dlq.yaml",
    );
    const driver = await TopologyTestDriver.create(topology, { sentiment: failing as unknown as AgentDefinition });
    const original = { id: "m1", conversationId: "c", text: "hello", extra: { keep: true } };
    await driver.pipeInput("in", [{ key: "the-key", value: original }]);
    const [dead] = driver.readOutput("dlq");
    expect(dead.key).toBe("the-key");
    expect(dead.value).toEqual(original);
    expect(dead.headers["weir.dlq.stage"]).toBe("echo");
    await driver.close();
  });

  test("a built-in operator that throws on one record dead-letters it and the partition flows on", async () => {
    const topology = parseTopology(
      `name: op-throws
version: 1
sources: [{ name: raw, topic: in }]
operators:
  - { name: tagged, input: raw, type: keyBy, field: conversationId }
  - { name: refunds, input: tagged, type: filter, where: { field: text, op: matches, value: "refund" } }
sinks: [{ name: out, input: refunds, type: topic, topic: out }]
deadLetter: { topic: dlq }
`,
      "ops.yaml",
    );
    const driver = await TopologyTestDriver.create(topology, {});
    // The throwing case: a conversationId that cannot be turned into a string (it once crashed the consume loop at intake).
    await driver.pipeInput("in", [
      { key: "a", value: { id: "1", conversationId: "a", text: "refund please" } },
      { key: "b", value: '{"id":"2","conversationId":{"toString":1},"text":"refund"}' },
      { key: "c", value: { id: "3", conversationId: "c", text: "a refund again" } },
    ]);
    expect(driver.readOutput("out").map((r) => (r.value as { id: string }).id)).toEqual(["1", "3"]);
    expect(driver.readOutput("dlq").map((r) => [(r.value as { id: string }).id, r.headers["weir.dlq.stage"], r.headers["weir.dlq.error.code"]])).toEqual([["2", "tagged", "OPERATOR_FAILED"]]);
    await driver.close();
  });
});
