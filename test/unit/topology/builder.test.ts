// The TS builder and the YAML file are two spellings of one value: building support.yaml's
// pipeline in code must give exactly what loading the file gives, and bad builds fail the same way.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { topology } from "../../../topology/builder.ts";
import { loadTopology } from "../../../topology/load.ts";
import { ValidationError } from "../../../engine/errors.ts";
import { KNOWN_AGENTS } from "../../../topology/known-agents.ts";

const dir = resolve(import.meta.dir, "../../../topology");

/** The file's topology without the loader's `baseDir`, which a built value has no use for. */
function fromFile(path: string) {
  const { baseDir: _, ...t } = loadTopology(path);
  return t;
}

describe("topology builder", () => {
  test("builds the same value as topology/support.yaml", () => {
    const t = topology("support-intelligence").description("Real-time analysis of customer support conversations.");
    const raw = t.source("raw", { topic: "support.messages", serde: "json", schema: "SupportMessage", groupId: "weir-support", key: "conversationId", partitions: 6 });
    const unique = raw.filter("nonEmpty", { where: { field: "text", op: "nonEmpty" } }).dedupe("unique", { by: "id", ttl: "10m" });
    const pii = unique.agent("pii", { agent: "pii", config: { mode: "tag" }, concurrency: 64 });
    const sentiment = pii.agent("sentiment", { agent: "sentiment", concurrency: 64 });
    const insights = pii.agent("insights", { agent: "insights", concurrency: 64 });
    const summary = pii.agent("summary", { agent: "summary", implementation: "offline", concurrency: 32, timeoutMs: 60000, retry: { attempts: 3, initialBackoffMs: 200, maxBackoffMs: 10000 } });
    const validator = pii.agent("validator", { agent: "validator" });
    t.aggregate("results", [pii, sentiment, insights, summary, validator], {
      by: "id",
      deadline: "5s",
      quorum: 3,
      rollup: { by: "conversationId", fold: "support" },
      alerts: [{ name: "angry-and-urgent", when: { sentiment: "negative", urgency: ["high", "critical"] }, webhook: { url: "env:WEIR_ALERT_WEBHOOK_URL", secretEnv: "WEIR_ALERT_WEBHOOK_SECRET" } }],
    })
      .to("insightsTopic", { type: "topic", topic: "support.insights" })
      .to("db", { type: "postgres", url: "env:DATABASE_URL" })
      .to("live", { type: "websocket" })
      .to("search", { type: "elasticsearch", url: "env:ELASTICSEARCH_URL" })
      .to("similar", { type: "qdrant", url: "env:QDRANT_URL" });
    t.deadLetter("support.dlq")
      .delivery("at-least-once")
      .backpressure(3000, 2000)
      .stage("fast", ["raw", "nonEmpty", unique, pii, sentiment, insights, validator, "results", "insightsTopic", "db", "live", "search", "similar"], "support.fast")
      .stage("llm", [summary], "support.llm");
    expect(t.build()).toEqual(fromFile(resolve(dir, "support.yaml")));
  });

  test("builds the same value as examples/passthrough.yaml", () => {
    const t = topology("passthrough").description("Copy every record from bench.in to bench.out, tagging it on the way.");
    t.source("in", { topic: "bench.in", serde: "json", groupId: "weir-passthrough", key: "id" })
      .map("tag", { set: { pipeline: "passthrough" } })
      .to("out", { type: "topic", topic: "bench.out" });
    t.delivery("at-least-once").backpressure(50000, 25000);
    expect(t.build()).toEqual(fromFile(resolve(dir, "examples/passthrough.yaml")));
  });

  test("an invalid build reports every problem by field path", () => {
    const t = topology("broken");
    const raw = t.source("raw", { topic: "in" });
    raw.agent("mood", { agent: "sentiment", concurrency: 0 });
    t.node("missing").to("out", { type: "topic", topic: "out" });
    t.backpressure(10, 20);
    try {
      t.build();
      throw new Error("expected the build to fail");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const issues = (e as ValidationError).issues.map((i) => i.path).sort();
      expect(issues).toEqual(["/agents/0/concurrency", "/backpressure/lowWatermark", "/sinks/0/input"]);
      // Built values have no file positions.
      expect((e as ValidationError).issues.every((i) => i.line === undefined)).toBe(true);
    }
  });
});

describe("example topologies", () => {
  const examples = readdirSync(resolve(dir, "examples")).filter((f) => f.endsWith(".yaml"));
  test("there are examples", () => expect(examples.length).toBeGreaterThanOrEqual(2));
  for (const f of examples)
    test(`${f} is valid; its agents are built-in kinds or modules that exist`, () => {
      const t = fromFile(resolve(dir, "examples", f));
      expect(t.sources.length).toBeGreaterThan(0);
      for (const a of t.agents ?? []) {
        if (a.agent.includes("#")) expect(existsSync(resolve(dir, "examples", a.agent.split("#")[0]))).toBe(true);
        else expect(KNOWN_AGENTS as readonly string[]).toContain(a.agent);
      }
    });
});
