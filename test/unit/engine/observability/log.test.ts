// Structured logs: JSON lines on the sink, per-module levels, child correlation fields, and PII
// redacted by the pii recognisers once installed (as `weir run` does).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { logger, reloadLogLevels, setLogRedactor, setLogSink } from "../../../../engine/log.ts";
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
});
