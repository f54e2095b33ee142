// Splitting a topology into stages: which nodes run where, which topics the crossings use, which
// consumer group each stage joins, and the placement rule the validator enforces.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { loadTopology, parseTopology } from "../../../topology/load.ts";
import { planStages } from "../../../topology/stages.ts";
import { ValidationError } from "../../../engine/errors.ts";

const support = loadTopology(resolve(import.meta.dir, "../../../topology/support.yaml"));

describe("planStages", () => {
  test("a topology without stages is one stage that runs everything", () => {
    const { stages: _, ...noStages } = support;
    const plans = planStages(noStages);
    expect(plans.map((p) => p.name)).toEqual(["main"]);
    expect(plans[0].topology).toBe(noStages);
    expect(plans[0].inbound).toEqual([]);
  });

  test("support.yaml: pii crosses to the llm stage and summary comes back to the aggregator", () => {
    const [fast, llm] = planStages(support);
    expect(fast.name).toBe("fast");
    expect(fast.topology.agents!.map((a) => a.name)).toEqual(["pii", "sentiment", "insights", "validator"]);
    expect(fast.topology.aggregator?.name).toBe("results");
    expect(fast.topology.sources).toEqual([
      { ...support.sources[0], groupId: "weir-support" },
      { name: "summary", topic: "support.fast.summary", serde: "envelope", groupId: "weir-support", key: "conversationId", partitions: 6 },
    ]);
    expect(fast.topology.sinks.find((s) => s.name === "pii.to.llm")).toEqual({ name: "pii.to.llm", input: "pii", type: "topic", topic: "support.llm.pii", format: "envelope" });
    expect(fast.outbound).toEqual([{ from: "pii", fromStage: "fast", toStage: "llm", topic: "support.llm.pii" }]);

    expect(llm.topology.agents!.map((a) => a.name)).toEqual(["summary"]);
    expect(llm.topology.aggregator).toBeUndefined();
    expect(llm.topology.operators).toEqual([]);
    // Its own consumer group, so it scales out apart from the fast stage.
    expect(llm.topology.sources).toEqual([{ name: "pii", topic: "support.llm.pii", serde: "envelope", groupId: "weir-support.llm", key: "conversationId", partitions: 6 }]);
    expect(llm.topology.sinks).toEqual([{ name: "summary.to.fast", input: "summary", type: "topic", topic: "support.fast.summary", format: "envelope" }]);
    expect(llm.topology.stages).toBeUndefined();
  });

  test("unplaced nodes run in the first stage; via defaults to <topology>.<stage>", () => {
    const t = parseTopology(`name: two
version: 1
sources: [{ name: raw, topic: in }]
agents:
  - { name: a, agent: sentiment, input: raw }
  - { name: b, agent: summary, input: a }
sinks: [{ name: out, input: b, type: topic, topic: out }]
stages:
  - { name: first, nodes: [raw] }
  - { name: second, nodes: [b, out] }
`);
    const [first, second] = planStages(t);
    expect(first.topology.agents!.map((a) => a.name)).toEqual(["a"]);
    expect(first.outbound.map((e) => e.topic)).toEqual(["two.second.a"]);
    expect(second.topology.sources.map((s) => s.topic)).toEqual(["two.second.a"]);
    expect(second.topology.sources[0].groupId).toBe("weir-two.second");
  });

  test("a node reading the aggregator from another stage is a located error", () => {
    const yaml = `name: bad
version: 1
sources: [{ name: raw, topic: in }]
agents: [{ name: a, agent: sentiment, input: raw }]
aggregator: { name: agg, inputs: [a] }
sinks:
  - name: out
    input: agg
    type: topic
    topic: out
stages:
  - { name: one, nodes: [raw, a, agg] }
  - { name: two, nodes: [out] }
`;
    try {
      parseTopology(yaml, "bad.yaml");
      throw new Error("expected a validation error");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const issue = (e as ValidationError).issues.find((i) => i.message.includes("reads the aggregator"))!;
      expect(issue).toMatchObject({ path: "/sinks/0/input", file: "bad.yaml", line: 8, expected: '"out" in stage "one"' });
    }
  });
});
