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

  test("agrees with one-by-one testing of the insights rules on the evaluation texts", async () => {
    const src = readFileSync(resolve(import.meta.dir, "../../../agents/insights.ts"), "utf8");
    const rules = [...src.slice(src.indexOf("const RULES"), src.indexOf("/** More specific")).matchAll(/\[\/(.+?)\/i, [\d.]+\]/g)].map((m) => new RegExp(m[1], "i"));
    expect(rules.length).toBeGreaterThan(40);
    const scan = new RuleScan(rules);
    const texts = ["support-messages.jsonl", "holdout.jsonl"].flatMap((f) => readFileSync(resolve(import.meta.dir, "../../fixtures/eval", f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text as string));
    let disagreements = 0;
    for (const t of texts) {
      const fired = scan.fired(t);
      rules.forEach((r, k) => {
        if (Boolean(fired[k]) !== r.test(t)) disagreements++;
      });
    }
    expect(disagreements).toBe(0);
  });

  test("capturing groups become non-capturing outside classes and escapes; backreferences are kept", () => {
    expect(withoutCaptures("\\b(a|b)[(](c)\\(d\\)")).toBe("\\b(?:a|b)[(](?:c)\\(d\\)");
    expect(withoutCaptures("(a)\\1")).toBe("(a)\\1");
    expect(withoutCaptures("(?<=x)(y)")).toBe("(?<=x)(?:y)");
  });
});
