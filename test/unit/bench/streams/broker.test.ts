// How bench/streams decides that a WordCount's output is right: the latest count per word must
// equal the corpus count, and a word the corpus does not have is wrong too.
import { describe, expect, test } from "bun:test";
import { wrongCounts } from "../../../../bench/streams/broker.ts";

describe("wrongCounts", () => {
  const expected = new Map([
    ["kalo", 3],
    ["mine", 1],
  ]);
  test("nothing wrong when every count matches", () => {
    expect(wrongCounts(expected, new Map(expected))).toEqual({ wrong: 0, missing: 0, extra: 0, examples: [] });
  });
  test("an empty output has every word missing", () => {
    expect(wrongCounts(expected, new Map())).toEqual({ wrong: 2, missing: 2, extra: 0, examples: ["kalo: expected 3, got nothing", "mine: expected 1, got nothing"] });
  });
  test("a count that is off (double-counted after a restart) and a word that should not be there", () => {
    const got = new Map([
      ["kalo", 4],
      ["mine", 1],
      ["Kalo", 1],
    ]);
    expect(wrongCounts(expected, got)).toEqual({ wrong: 2, missing: 0, extra: 1, examples: ["kalo: expected 3, got 4", "Kalo: not in the corpus"] });
  });
  test("an undecodable value (NaN) is wrong", () => {
    expect(wrongCounts(expected, new Map([["kalo", Number.NaN], ["mine", 1]])).wrong).toBe(1);
  });
});
