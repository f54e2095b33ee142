// The weir WordCount topology the bench runs: the placeholders of topology/examples/wordcount.yaml
// (or its temporary copy) filled in per run, exactly-once as a topology setting.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fillTopology, wordcountTemplate } from "../../../../bench/streams/weir-app.ts";

const names = { input: "corpus", output: "run-1-out", group: "run-1", exactlyOnce: false };

describe("fillTopology", () => {
  test("fills the input topic, output topic and group of the WordCount template", () => {
    const filled = fillTopology(readFileSync(wordcountTemplate().path, "utf8"), names);
    expect(filled).toContain("topic: corpus\n");
    expect(filled).toContain("topic: run-1-out\n");
    expect(filled).toContain("groupId: run-1\n");
    expect(filled).not.toMatch(/^[^#]*\$\{/m);
    expect(filled).not.toContain("delivery:");
  });

  test("exactly-once adds delivery: exactly-once after the version, or replaces a delivery line", () => {
    expect(fillTopology("name: x\nversion: 1\nsources: []\n", { ...names, exactlyOnce: true })).toBe("name: x\nversion: 1\ndelivery: exactly-once\nsources: []\n");
    expect(fillTopology("version: 1\ndelivery: at-least-once\n", { ...names, exactlyOnce: true })).toBe("version: 1\ndelivery: exactly-once\n");
  });

  test("a placeholder the bench does not know is an error naming it; one in a comment is not", () => {
    expect(() => fillTopology("version: 1\ntopic: ${partitions}\n", names)).toThrow("placeholder ${partitions} is not one bench/streams fills");
    expect(fillTopology("# uses ${whatever}\nversion: 1\n", names)).toBe("# uses ${whatever}\nversion: 1\n");
  });
});
