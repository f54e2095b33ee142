// The WordCount corpus must be the same for every run and both engines, and its expected counts
// must be what a split on non-word characters with lower-casing really gives.
import { describe, expect, test } from "bun:test";
import { generateCorpus, tokens } from "../../../../bench/streams/corpus.ts";

describe("generateCorpus", () => {
  test("the same seed gives the same lines and counts; another seed does not", () => {
    const a = generateCorpus({ lines: 2_000, seed: 7 });
    const b = generateCorpus({ lines: 2_000, seed: 7 });
    const c = generateCorpus({ lines: 2_000, seed: 8 });
    expect(b.lines).toEqual(a.lines);
    expect([...b.expected]).toEqual([...a.expected]);
    expect(c.lines).not.toEqual(a.lines);
  });

  test("expected counts are the tokens of the lines, 5–12 a line, from at most 5 000 words", () => {
    const corpus = generateCorpus({ lines: 5_000, seed: 1 });
    const recount = new Map<string, number>();
    for (const line of corpus.lines) {
      const ws = tokens(line);
      expect(ws.length).toBeGreaterThanOrEqual(5);
      expect(ws.length).toBeLessThanOrEqual(12);
      for (const w of ws) recount.set(w, (recount.get(w) ?? 0) + 1);
    }
    expect(new Map([...recount].sort())).toEqual(new Map([...corpus.expected].sort()));
    expect(corpus.words).toBe([...recount.values()].reduce((a, b) => a + b, 0));
    expect(corpus.expected.size).toBeLessThanOrEqual(5_000);
  });

  test("Zipf-like: the most frequent word is far more frequent than the median one", () => {
    const counts = [...generateCorpus({ lines: 20_000, seed: 3 }).expected.values()].sort((a, b) => b - a);
    expect(counts[0]).toBeGreaterThan(50 * counts[Math.floor(counts.length / 2)]);
  });

  test("capitals and punctuation are in the lines, so splitting and lower-casing matter", () => {
    const { lines } = generateCorpus({ lines: 1_000, seed: 42 });
    expect(lines.every((l) => /^[A-Z]/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(", "))).toBe(true);
    expect(lines.some((l) => l.includes(" - "))).toBe(true);
  });

  test("a line count that is not a positive integer is refused", () => {
    expect(() => generateCorpus({ lines: 0 })).toThrow("corpus lines: must be a positive integer, got 0");
    expect(() => generateCorpus({ lines: 1.5 })).toThrow("got 1.5");
  });
});

describe("tokens", () => {
  test("splits on runs of non-word characters, lower-cases, drops empty tokens", () => {
    expect(tokens("Kalo, mine - RUSA tivo.")).toEqual(["kalo", "mine", "rusa", "tivo"]);
    expect(tokens("  ,.")).toEqual([]);
    expect(tokens("")).toEqual([]);
  });
});
