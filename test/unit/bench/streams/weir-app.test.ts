// The weir WordCount topology the bench runs: topology/examples/wordcount.yaml with its topics and
// group replaced per run, exactly-once as a topology setting, everything else as in the example.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { fillTopology, WORDCOUNT } from "../../../../bench/streams/weir-app.ts";

const names = { input: "corpus", output: "run-1-out", group: "run-1", exactlyOnce: false };
const example = readFileSync(WORDCOUNT, "utf8");

describe("fillTopology", () => {
  test("replaces the source topic and group, the sink topic and the dead-letter topic; keeps the rest", () => {
    const original = parse(example);
    const filled = parse(fillTopology(example, names));
    expect(filled).toEqual({
      ...original,
      sources: [{ ...original.sources[0], topic: "corpus", groupId: "run-1" }],
      sinks: [{ ...original.sinks[0], topic: "run-1-out" }],
      deadLetter: { topic: "run-1-dlq" },
    });
    expect(filled.delivery).toBeUndefined();
  });

  test("exactly-once sets delivery: exactly-once", () => {
    expect(parse(fillTopology(example, { ...names, exactlyOnce: true })).delivery).toBe("exactly-once");
    expect(parse(fillTopology("sources: [{ topic: a }]\nsinks: [{ type: topic, topic: b }]\ndelivery: at-least-once\n", { ...names, exactlyOnce: true })).delivery).toBe("exactly-once");
  });

  test("a topology that is not one source into one topic sink is refused, naming the field", () => {
    expect(() => fillTopology("sources: []\nsinks: [{ type: topic }]\n", names)).toThrow("sources: the bench expects exactly one source");
    expect(() => fillTopology("sources: [{ topic: a }]\nsinks: [{ type: postgres }]\n", names)).toThrow("sinks: the bench expects exactly one sink, of type topic");
  });
});
