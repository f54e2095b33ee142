// `weir analyze` and `weir eval` as users run them.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";

const cli = resolve(import.meta.dir, "../../../cli/weir.ts");

describe("weir analyze", () => {
  test("one JSON line per input; a bad line gets an error line and the run goes on", () => {
    const input = ['{"id":"1","text":"card 4111 1111 1111 1111, mail a@b.co"}', "{broken", '{"id":"3","text":"fine"}'].join("\n");
    const r = Bun.spawnSync(["bun", cli, "analyze", "--agent", "pii", "--redaction", "mask"], { stdin: Buffer.from(input) });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.toString().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].id).toBe("1");
    expect(lines[0].findings.map((f: { type: string; start: number; end: number }) => [f.type, f.start, f.end])).toEqual([["card", 5, 24], ["email", 31, 37]]);
    expect(lines[0].redacted).toBe("card *******************, mail ******");
    expect(lines[1]).toMatchObject({ line: 2, error: { code: "VALIDATION_FAILED" } });
    expect(lines[2]).toMatchObject({ id: "3", findings: [] });
  });
  test("no redaction mode prints a value in clear: findings carry the redacted form only", () => {
    const raw = ["4111 1111 1111 1111", "jane.doe@example.com", "DE89 3704 0044 0532 0130 00", "123-45-6789", "+44 20 7946 0958"];
    const input = JSON.stringify({ id: "1", text: `card ${raw[0]}, mail ${raw[1]}, iban ${raw[2]}, SSN ${raw[3]}, call ${raw[4]}` });
    for (const mode of ["mask", "hash", "tag"]) {
      const r = Bun.spawnSync(["bun", cli, "analyze", "--agent", "pii", "--redaction", mode], { stdin: Buffer.from(input + "\n"), env: { ...process.env, WEIR_PII_HASH_KEY: "test-key" } });
      const out = r.stdout.toString();
      for (const v of raw) expect(out).not.toContain(v);
      const [line] = out.trim().split("\n").map((l) => JSON.parse(l));
      expect(line.findings.map((f: { type: string }) => f.type)).toEqual(["card", "email", "iban", "ssn", "phone"]);
      if (mode === "hash") expect(line.findings[0].redacted).toMatch(/^<CARD:[0-9a-f]{16}>$/);
    }
  });
  test("sentiment gives label and score", () => {
    const r = Bun.spawnSync(["bun", cli, "analyze", "--agent", "sentiment"], { stdin: Buffer.from('{"id":"a","text":"I love it, thank you so much!"}\n') });
    const [line] = r.stdout.toString().trim().split("\n").map((l) => JSON.parse(l));
    expect(line).toMatchObject({ id: "a", label: "positive" });
    expect(line.score).toBeGreaterThan(0.2);
  });
  test("a bad --agent is a usage error", () => {
    expect(Bun.spawnSync(["bun", cli, "analyze", "--agent", "nope"]).exitCode).toBe(2);
  });
});

describe("weir eval", () => {
  test("scores the hand-labelled set, tune and held-out parts, and writes the results", () => {
    const out = `${require("node:os").tmpdir()}/weir-eval-${process.pid}.json`;
    const r = Bun.spawnSync(["bun", cli, "eval", "--out", out], { stderr: "pipe" });
    expect(r.stdout.toString()).toContain("hold-out sentiment macro-F1");
    const written = JSON.parse(require("node:fs").readFileSync(out, "utf8"));
    expect(written.eval.set).toEqual({ file: "test/fixtures/eval/support-eval.txt", messages: 300, tune: 200, holdout: 100 });
    for (const part of [written.eval.tune, written.eval.holdout]) {
      expect(Object.keys(part.sentiment.perLabel)).toEqual(["positive", "neutral", "negative"]);
      expect(part.sentiment.perLabel.negative).toMatchObject({ precision: expect.any(Number), recall: expect.any(Number), f1: expect.any(Number) });
      expect(part.sentiment.calibration[">=0.9"].n).toBeGreaterThan(0);
      expect(part.pii.perType.email.tp).toBeGreaterThan(0);
    }
    // Exit 0 exactly when every held-out target is met.
    expect(r.exitCode).toBe(written.results.some((x: { pass: boolean | null }) => x.pass === false) ? 1 : 0);
  });
  test("a malformed set is a clear error naming the line", () => {
    const bad = `${require("node:os").tmpdir()}/weir-eval-bad-${process.pid}.txt`;
    require("node:fs").writeFileSync(bad, "=== id=1 sentiment=angry intent=other\nhello\n");
    const r = Bun.spawnSync(["bun", cli, "eval", "--set", bad, "--out", `${bad}.json`], { stderr: "pipe" });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.toString()).toContain(`${bad}:1: header needs id=, sentiment=positive|neutral|negative and intent=`);
  });
});
