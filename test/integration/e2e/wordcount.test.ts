// WordCount (topology/examples/wordcount.yaml) as an operator runs it: two real `weir run` processes
// on the real broker at once, one stopped with SIGTERM halfway and restarted, lines produced all the
// while. The check reads what a user reads — the output topic, latest count per word — and compares
// it with counts computed directly from the corpus. Counts live in a changelogged store behind a
// repartition topic, so neither the restart nor the second process may make a single count wrong.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BROKERS, kafka, text } from "../../helpers/kafka.ts";
import { waitFor } from "../../helpers/wait.ts";
import { WeirProcess } from "../../helpers/weir-process.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const t = kafka({ "auto.offset.reset": "earliest" });
afterAll(async () => {
  await t.close();
});

/** A deterministic corpus: words from a small vocabulary, skewed so some words are hot. */
function corpus(lines: number): string[] {
  const vocab = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}`);
  let seed = 42;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: lines }, () => Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => vocab[Math.floor(rnd() ** 2 * vocab.length)]).join(rnd() < 0.5 ? " " : ", "));
}

describe("WordCount with real weir run processes", () => {
  test("two processes, one stopped with SIGTERM halfway and restarted: every word's count is exact", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const dir = mkdtempSync(join(tmpdir(), "weir-wc-"));
    const file = join(dir, "wordcount.yaml");
    const yaml = readFileSync(resolve(ROOT, "topology/examples/wordcount.yaml"), "utf8").replaceAll("wordcount.lines", `wc-${run}.lines`).replaceAll("wordcount.counts", `wc-${run}.counts`).replaceAll("wordcount.dlq", `wc-${run}.dlq`).replace("groupId: weir-wordcount", `groupId: wc-${run}`);
    writeFileSync(file, yaml);
    const env = { KAFKA_BROKERS: BROKERS };
    const workers = ["a", "b"].map((name) => new WeirProcess({ file, env, logFile: join(dir, "workers.log"), name }));
    const lines = corpus(6_000);
    const expected: Record<string, number> = {};
    for (const l of lines) for (const w of l.toLowerCase().split(/\W+/)) if (w) expected[w] = (expected[w] ?? 0) + 1;
    const producer = t.producer();
    try {
      await Promise.all(workers.map((w) => w.start()));
      const send = (part: string[], from: number) => producer.send(part.map((line, i) => ({ topic: `wc-${run}.lines`, key: `l${from + i}`, value: line })));
      const half = lines.length / 2;
      for (let i = 0; i < half; i += 500) await send(lines.slice(i, i + 500), i);
      // SIGTERM while the first half is still being counted, then more lines, then the restart.
      expect(await workers[0].term()).toBe(0);
      for (let i = half; i < lines.length; i += 500) await send(lines.slice(i, i + 500), i);
      await workers[0].start();
      const latest = new Map<string, number>();
      const reader = t.consumer({ groupId: `wc-reader-${run}` });
      reader.subscribe([`wc-${run}.counts`]);
      try {
        await waitFor(async () => {
          for (const m of await reader.consume(10_000, 200)) latest.set(text(m.key)!, Number(text(m.value)));
          return Object.entries(expected).every(([w, n]) => latest.get(w) === n);
        }, "every word's latest count to equal the corpus count", 120_000, 50);
      } finally {
        await reader.close();
      }
      const wrong = Object.entries(expected).filter(([w, n]) => latest.get(w) !== n);
      expect(wrong).toEqual([]);
      expect([...latest.keys()].filter((w) => !(w in expected))).toEqual([]);
      for (const w of workers) expect(w.exitCode).toBeNull();
    } finally {
      await producer.close();
      await Promise.all(workers.filter((w) => w.alive).map((w) => w.term()));
    }
  }, 240_000);
});
