// The topology file: valid files load with defaults; every problem of an invalid file is reported
// at once with its file, line, column, field and what was expected.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { loadTopology, parseTopology } from "../../../topology/load.ts";
import { ValidationError } from "../../../engine/errors.ts";

const root = resolve(import.meta.dir, "../../..");

function issuesOf(text: string) {
  try {
    parseTopology(text, "t.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map(({ path, line, column, message }) => ({ path, line, column, message }));
  }
  throw new Error("expected the topology to be invalid");
}

const minimal = (extra = "") => `name: t
version: 1
sources:
  - name: raw
    topic: in
sinks:
  - name: out
    input: raw
    type: topic
    topic: out
${extra}`;

describe("loadTopology", () => {
  test("support.yaml is valid and gets defaults", () => {
    const t = loadTopology(resolve(root, "topology/support.yaml"));
    expect(t.name).toBe("support-intelligence");
    expect(t.agents!.map((a) => a.name)).toEqual(["pii", "sentiment", "insights", "summary", "validator"]);
    expect(t.agents!.find((a) => a.name === "validator")).toMatchObject({ implementation: "offline", concurrency: 16, redacted: true });
    // maxInFlight has no fixed default: the runtime uses the high watermark.
    expect(t.agents!.find((a) => a.name === "validator")!.maxInFlight).toBeUndefined();
    expect(t.aggregator!.inputs).toHaveLength(5);
    expect(t.delivery).toBe("at-least-once");
  });

  test("the smallest valid topology", () => {
    expect(parseTopology(minimal(), "t.yaml").sinks[0]).toEqual({ name: "out", input: "raw", type: "topic", topic: "out" });
  });

  test("several problems are reported at once, each with its location", () => {
    const issues = issuesOf(`name: t
version: 1
sources:
  - name: raw
    topic: in
    serdes: json
agents:
  - name: mood
    agent: sentimnt
    input: cleaned
    concurrency: 0
sinks:
  - name: out
    input: mood
    type: topic
    topic: out
`);
    expect(issues).toEqual([
      { path: "/sources/0/serdes", line: 6, column: 5, message: 'unknown field "serdes" (did you mean "serde"?)' },
      { path: "/agents/0/agent", line: 9, column: 12, message: 'is not an allowed value, got "sentimnt"' },
      { path: "/agents/0/input", line: 10, column: 12, message: '"cleaned" is not a node of this topology' },
      { path: "/agents/0/concurrency", line: 11, column: 18, message: "must be greater or equal to 1, got 0" },
    ]);
  });

  test("the expected value is named", () => {
    let err: unknown;
    try {
      parseTopology(minimal("delivery: twice\n"), "t.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const [issue] = (err as ValidationError).issues;
    expect(issue).toMatchObject({ file: "t.yaml", path: "/delivery", line: 11, column: 11, expected: 'one of "at-least-once", "exactly-once"' });
    expect((err as ValidationError).format()).toContain('t.yaml:11:11 /delivery: is not an allowed value, got "twice"');
  });

  test("nested unknown keys, aggregator inputs and stage placement are all reported with locations", () => {
    const issues = issuesOf(
      minimal(`agents:
  - name: a
    agent: pii
    input: raw
    retry: { attemps: 3 }
aggregator:
  name: agg
  inputs: [a, raw]
  quorum: 3
stages:
  - name: s
    nodes: [a, nope]
  - name: s2
    nodes: [a]
`),
    );
    expect(issues).toEqual([
      { path: "/agents/0/retry/attemps", line: 15, column: 14, message: 'unknown field "attemps" (did you mean "attempts"?)' },
      { path: "/aggregator/inputs/1", line: 18, column: 15, message: 'aggregator input "raw" is a source' },
      { path: "/aggregator/quorum", line: 19, column: 11, message: "quorum 3 exceeds the 2 inputs" },
      { path: "/stages/0/nodes/1", line: 22, column: 16, message: '"nope" is not a node of this topology' },
      { path: "/stages/1/nodes/0", line: 24, column: 13, message: '"a" is already placed in stage "s"' },
    ]);
  });

  test("a duplicate YAML key is a syntax error at the second key", () => {
    expect(issuesOf("name: t\nname: u\nversion: 1\n")).toEqual([{ path: "/", line: 2, column: 1, message: "YAML syntax: Map keys must be unique" }]);
  });

  test("inline JSON schemas and numeric durations are accepted", () => {
    const t = parseTopology(
      minimal(`operators:
  - name: w
    input: raw
    type: window
    kind: tumbling
    size: 60000
`).replace("topic: in\n", "topic: in\n    schema: { type: object, required: [id] }\n"),
      "t.yaml",
    );
    expect(t.sources[0].schema).toEqual({ type: "object", required: ["id"] });
    expect(t.operators![0]).toMatchObject({ type: "window", size: 60000 });
  });

  test("a zero-size window is rejected at its size", () => {
    expect(issuesOf(minimal(`operators:\n  - name: w\n    input: raw\n    type: window\n    kind: tumbling\n    size: 0s\n`))).toEqual([
      { path: "/operators/0/size", line: 16, column: 11, message: "window size must be greater than zero" },
    ]);
  });

  test("a missing required field points at its parent", () => {
    expect(issuesOf("name: t\nversion: 1\nsinks: []\n")).toContainEqual({ path: "/sources", line: 1, column: 1, message: "required field is missing" });
  });

  test("YAML syntax errors carry their line and column", () => {
    const issues = issuesOf("name: t\nversion: 1\nsources:\n  - name: raw\n   topic: [unclosed\n");
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].message).toStartWith("YAML syntax:");
    expect(issues[0].line).toBeGreaterThanOrEqual(4);
  });

  test("unknown operator types get a suggestion; operators are checked by their own type", () => {
    const issues = issuesOf(
      minimal(`operators:
  - name: a
    input: raw
    type: filtr
  - name: b
    input: raw
    type: dedupe
    by: id
    ttl: soon
`),
    );
    expect(issues).toEqual([
      { path: "/operators/0/type", line: 14, column: 11, message: 'unknown operator type "filtr" (did you mean "filter"?)' },
      { path: "/operators/1/ttl", line: 19, column: 10, message: expect.stringContaining('got "soon"') },
    ]);
  });

  test("cycles, duplicate names and sinks used as inputs are graph errors", () => {
    const issues = issuesOf(`name: t
version: 1
sources:
  - name: raw
    topic: in
operators:
  - name: a
    input: b
    type: keyBy
    field: x
  - name: b
    input: a
    type: keyBy
    field: y
  - name: raw
    input: out
    type: keyBy
    field: z
sinks:
  - name: out
    input: a
    type: topic
    topic: out
`);
    const messages = issues.map((i) => `${i.path} ${i.message}`);
    expect(messages).toContain('/operators/2/name duplicate node name "raw"');
    expect(messages).toContain('/operators/2/input "out" is a sink; sinks have no output');
    expect(messages.some((m) => m.includes("cycle: a → b → a") || m.includes("cycle: b → a → b"))).toBe(true);
  });

  test("window, watermark and quorum rules", () => {
    const issues = issuesOf(
      minimal(`operators:
  - name: w
    input: raw
    type: window
    kind: hopping
    size: 10s
    advance: 20s
backpressure: { highWatermark: 10, lowWatermark: 10 }
`),
    );
    expect(issues.map((i) => i.path)).toEqual(["/operators/0/advance", "/backpressure/lowWatermark"]);
  });

  test("a file that cannot be read is a clear error", () => {
    expect(() => loadTopology("/nonexistent/topology.yaml")).toThrow(ValidationError);
  });

  test("a missing file says so, with the path it looked for, not a raw ENOENT", () => {
    try {
      loadTopology("/nonexistent/topology.yaml");
      throw new Error("expected an error");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const text = (e as ValidationError).format();
      expect(text).toContain("no such file (looked for /nonexistent/topology.yaml)");
      expect(text).not.toContain("ENOENT");
    }
  });
});

const filterOn = (where: string) =>
  minimal(`operators:
  - name: f
    input: raw
    type: filter
    where: ${where}
`);

describe("where conditions are compiled at load time", () => {
  test("an unknown operator is named at its own field with the valid operators listed", () => {
    expect(issuesOf(filterOn(`{ field: text, op: contains, value: refund }`))).toEqual([
      { path: "/operators/0/where/op", line: 15, column: 31, message: 'unknown operator "contains"' },
    ]);
    try {
      parseTopology(filterOn(`{ field: text, op: contains, value: refund }`), "t.yaml");
    } catch (e) {
      expect((e as ValidationError).issues[0].expected).toBe("one of eq, ne, gt, gte, lt, lte, exists, nonEmpty, matches, in");
    }
  });

  test("a pattern that does not compile is reported where it is written", () => {
    const [issue] = issuesOf(filterOn(`{ field: text, op: matches, value: "(" }`));
    expect(issue).toMatchObject({ path: "/operators/0/where/value", line: 15, column: 47 });
    expect(issue.message).toContain('pattern "(" does not compile');
  });

  test("PCRE's (?i) prefix gets the JavaScript spelling, which does compile", () => {
    const [issue] = issuesOf(filterOn(`{ field: text, op: matches, value: "(?i)refund" }`));
    expect(issue.message).toBe('"(?i)" at the start of a pattern is PCRE syntax, not JavaScript: write "(?i:refund)" instead');
    const t = parseTopology(filterOn(`{ field: text, op: matches, value: "(?i:refund)" }`), "t.yaml");
    expect(t.operators![0]).toMatchObject({ where: { op: "matches", value: "(?i:refund)" } });
  });

  test("conditions inside all/any are checked one by one, values by operator", () => {
    const issues = issuesOf(filterOn(`{ any: [ { field: text, op: matches, value: "[" }, { field: n, op: gt, value: "5" }, { field: tier, op: in, value: gold }, { field: x, op: exists } ] }`));
    expect(issues.map((i) => [i.path, i.message.split(":")[0]])).toEqual([
      ["/operators/0/where/any/0/value", 'pattern "[" does not compile'],
      ["/operators/0/where/any/1/value", 'op gt compares numbers, got "5"'],
      ["/operators/0/where/any/2/value", 'op in needs a list, got "gold"'],
    ]);
  });

  test("a module file that does not exist fails validation, not start-up", () => {
    const dir = resolve(root, "test/fixtures/topology");
    const text = minimal(`operators:
  - name: f
    input: raw
    type: filter
    module: ./missing.ts#keep
`);
    try {
      parseTopology(text, "t.yaml", { baseDir: dir });
      throw new Error("expected an error");
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => [i.path, i.message])).toEqual([["/operators/0/module", `module file ${dir}/missing.ts does not exist`]]);
    }
  });
});
