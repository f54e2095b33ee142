// Structured logs: JSON lines on the sink, per-module levels, child correlation fields, and PII
// redacted by the pii recognisers once installed (as `weir run` does).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { logger, prettyLine, printBlock, reloadLogLevels, setLogFormat, setLogRedactor, setLogSink } from "../../../../engine/log.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { redactText } from "../../../../agents/pii/redaction.ts";

const lines: string[] = [];
let prev: ReturnType<typeof setLogSink>;
beforeAll(() => {
  prev = setLogSink((l) => lines.push(l));
});
afterAll(() => {
  setLogSink(prev);
});
afterEach(() => {
  lines.length = 0;
  setLogRedactor(null);
  delete process.env.WEIR_LOG_LEVELS;
  reloadLogLevels();
});

describe("logs", () => {
  test("JSON lines with module, level and correlation ids from child loggers", () => {
    logger("runtime").child({ messageId: "m-1", traceId: "abc" }).warn("agent failed", { agent: "pii" });
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: "warn", module: "runtime", msg: "agent failed", messageId: "m-1", traceId: "abc", agent: "pii" });
    expect(Date.parse(rec.time)).toBeGreaterThan(0);
  });
  test("levels per module", () => {
    process.env.WEIR_LOG_LEVELS = "kafka=error,api=debug";
    reloadLogLevels();
    logger("kafka").warn("hidden");
    logger("api").debug("shown");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["shown"]);
  });
  test("no PII in logs once the redactor is installed", () => {
    setLogRedactor((s) => redactText(s));
    logger("api").warn("customer jane.doe@example.com paid with 4111 1111 1111 1111", { note: "call +44 20 7946 0958", nested: { ssn: "123-45-6789" } });
    const line = lines[0];
    expect(line).not.toContain("jane.doe@example.com");
    expect(line).not.toContain("4111 1111 1111 1111");
    expect(line).not.toContain("7946 0958");
    expect(line).not.toContain("123-45-6789");
    expect(JSON.parse(line).msg).toBe("customer [EMAIL] paid with [CARD]");
  });

  test("pretty lines for a terminal: time, level, module, message, then key=value", () => {
    const line = prettyLine({ time: "2026-12-02T01:04:29.123Z", level: "info", module: "api", msg: "weir API listening", url: "http://127.0.0.1:3000/", stages: ["fast", "llm"], note: "two words" });
    expect(line).toBe('01:04:29 INFO  api      weir API listening  url=http://127.0.0.1:3000/ stages=["fast","llm"] note="two words"');
  });

  test("pretty errors keep their code, message and stack", () => {
    const err = new Error("boom");
    const line = prettyLine({ time: "2026-12-02T01:04:29.123Z", level: "error", module: "run", msg: "stop failed", err: { name: "Error", message: "boom", stack: err.stack } });
    const [head, ...stack] = line.split("\n");
    expect(head).toBe('01:04:29 ERROR run      stop failed  err="Error: boom"');
    expect(stack[0]).toStartWith("    at ");
  });

  test("WEIR_LOG_FORMAT=json wins over a terminal, pretty over a pipe", () => {
    process.env.WEIR_LOG_FORMAT = "pretty";
    process.env.WEIR_LOG_LEVEL = "info";
    reloadLogLevels();
    logger("api").info("hello", { a: 1 });
    printBlock("banner");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO  api      hello  a=1$/);
    expect(lines[1]).toBe("banner");
    process.env.WEIR_LOG_FORMAT = "json";
    reloadLogLevels();
    logger("api").info("again");
    expect(JSON.parse(lines[2])).toMatchObject({ msg: "again" });
    delete process.env.WEIR_LOG_FORMAT;
    delete process.env.WEIR_LOG_LEVEL;
    setLogFormat("json");
  });

  test("on a terminal, a run of the same routine line is shown once with its count; warnings are never held", async () => {
    process.env.WEIR_LOG_LEVEL = "info";
    reloadLogLevels();
    setLogFormat("pretty");
    try {
      for (let p = 0; p < 30; p++) logger("state").info("state restored", { partition: p, keys: 0 });
      logger("runtime").warn("agent failed");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toEndWith("state restored  partition=0 keys=0  (and 29 more like it)");
      expect(lines[1]).toContain("WARN  runtime  agent failed");
      logger("state").info("state restored", { partition: 0, keys: 0 });
      await waitFor(() => lines.length === 3, "the held line to be written");
      expect(lines[2]).toEndWith("state restored  partition=0 keys=0");
    } finally {
      delete process.env.WEIR_LOG_LEVEL;
      reloadLogLevels();
      setLogFormat("json");
    }
  });
});