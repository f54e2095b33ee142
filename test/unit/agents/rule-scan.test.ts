// One-pass scanning of many patterns must say exactly what testing them one by one says.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { RuleScan, withoutCaptures } from "../../../agents/rule-scan.ts";

describe("RuleScan", () => {
  test("overlapping matches and matches from the same character are all seen", () => {
    const rules = [/\bcancel+(ing|ation)? (my )?subscription/i, /\bcancel\b/i, /\bsubscription\b/i, /\bmy sub/i, /\bpassword( reset)?\b/i, /\?\s*$/i];
    const scan = new RuleScan(rules);
    const fired = (t: string) => [...scan.fired(t)].map(Boolean);
    expect(fired("Please cancel my subscription")).toEqual([true, true, true, true, false, false]);
    expect(fired("Password reset?")).toEqual([false, false, false, false, true, true]);
    expect(fired("")).toEqual([false, false, false, false, false, false]);
  });

  test("insights: the one-pass scan gives the same intent scores as testing every rule, on every evaluation text", async () => {
    const { classifyIntent, intentScoresExact } = await import("../../../agents/insights.ts");
    const { loadEvalSet } = await import("../../../agents/eval/dataset.ts");
    const texts = [
      ...["support-messages.jsonl", "holdout.jsonl"].flatMap((f) => readFileSync(resolve(import.meta.dir, "../../fixtures/eval", f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text as string)),
      ...loadEvalSet().map((i) => i.text),
    ];
    expect(texts.length).toBeGreaterThan(700);
    const differing = texts.filter((t) => JSON.stringify(Object.entries(classifyIntent(t).scores).sort()) !== JSON.stringify(Object.entries(intentScoresExact(t)).sort()));
    expect(differing).toEqual([]);
  });

  test("a table larger than one chunk is scanned in chunks with the same answers", () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}x`);
    const scan = new RuleScan(words.map((w) => new RegExp(`\\b${w}\\b`, "i")));
    const fired = [...scan.fired("w3x and W25X and w39x")].map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
    expect(fired).toEqual([3, 25, 39]);
  });

  test("capturing groups become non-capturing outside classes and escapes; backreferences are kept", () => {
    expect(withoutCaptures("\\b(a|b)[(](c)\\(d\\)")).toBe("\\b(?:a|b)[(](?:c)\\(d\\)");
    expect(withoutCaptures("(a)\\1")).toBe("(a)\\1");
    expect(withoutCaptures("(?<=x)(y)")).toBe("(?<=x)(?:y)");
  });
});
