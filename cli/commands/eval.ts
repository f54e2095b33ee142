// `weir eval`: runs the offline agents over the labelled evaluation set and writes precision,
// recall and F1 per agent to bench/results/agents.json, with trivial baselines from the same run.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { parse } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { Progress } from "../progress.ts";
import { recognize } from "../../agents/pii/recognizers.ts";
import { scoreText, SENTIMENT_THRESHOLD } from "../../agents/sentiment.ts";
import { classifyIntent } from "../../agents/insights.ts";
import { accuracy, macroF1, spanPRF, type SpanLike } from "../../agents/eval/metrics.ts";
import { result, writeResults, type BenchResult } from "../../bench/lib/results.ts";

interface Item {
  id: string;
  text: string;
  sentiment: string;
  intent: string;
  pii: SpanLike[];
}

const STRUCTURED = new Set(["email", "phone", "card", "iban", "ssn", "ip"]);
const root = resolve(import.meta.dir, "../..");

function load(file: string): Item[] {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Item);
}

/** The baselines: majority class for labels, and a naive regex (anything @, any 9+ digit run) for PII. */
function naivePii(text: string): SpanLike[] {
  const out: SpanLike[] = [];
  for (const m of text.matchAll(/\S+@\S+|\+?\d[\d -]{8,}\d/g)) out.push({ type: m[0].includes("@") ? "email" : "phone", start: m.index!, end: m.index! + m[0].length });
  return out;
}
const majority = (xs: string[]) => [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0][0];

function evaluate(items: Item[], progress: Progress) {
  const sentGold = items.map((i) => i.sentiment);
  const sentPred = items.map((i) => {
    const { score } = scoreText(i.text);
    progress.tick();
    return score > SENTIMENT_THRESHOLD ? "positive" : score < -SENTIMENT_THRESHOLD ? "negative" : "neutral";
  });
  const labels = ["positive", "neutral", "negative"];
  const sentiment = macroF1(sentGold, sentPred, labels);
  const sentimentBase = macroF1(sentGold, sentGold.map(() => majority(sentGold)), labels);
  const intentGold = items.map((i) => i.intent);
  const intentPred = items.map((i) => classifyIntent(i.text).intent);
  const intent = accuracy(intentGold, intentPred);
  const intentBase = accuracy(intentGold, intentGold.map(() => majority(intentGold)));
  const piiGold = items.map((i) => i.pii);
  const piiPred = items.map((i) => recognize(i.text));
  const piiStructured = spanPRF(piiGold, piiPred, STRUCTURED);
  const piiAll = spanPRF(piiGold, piiPred);
  const naive = items.map((i) => naivePii(i.text));
  const piiBase = spanPRF(piiGold, naive, STRUCTURED);
  const piiBaseAll = spanPRF(piiGold, naive);
  const perType = Object.fromEntries([...STRUCTURED, "dob", "name"].map((t) => [t, spanPRF(piiGold, piiPred, new Set([t]))]));
  const misses = items
    .map((it, k) => ({ id: it.id, sentiment: [it.sentiment, sentPred[k]], intent: [it.intent, intentPred[k]] }))
    .filter((m) => m.sentiment[0] !== m.sentiment[1] || m.intent[0] !== m.intent[1])
    .slice(0, 15);
  return { sentiment, sentimentBase, intent, intentBase, piiStructured, piiAll, piiBase, piiBaseAll, perType, misses, n: items.length };
}

const command: Command = {
  name: "eval",
  summary: "evaluate the offline agents on the labelled set; writes bench/results/agents.json",
  help: `Usage: weir eval [--set FILE] [--holdout FILE] [--out FILE]

Runs the offline sentiment, pii and insights agents over the labelled set
(test/fixtures/eval/support-messages.jsonl) and the hold-out set (holdout.jsonl, worded
differently), and writes precision/recall/F1 per agent to bench/results/agents.json.
Targets: PII recall >= 0.97 and precision >= 0.95 on structured identifiers; sentiment macro-F1
>= 0.80; intent accuracy >= 0.80. Exit 1 when a target on the main set is missed.`,
  async run(argv) {
    const { values } = parse(argv, { set: { type: "string" }, holdout: { type: "string" }, out: { type: "string" } });
    const setFile = (values.set as string | undefined) ?? resolve(root, "test/fixtures/eval/support-messages.jsonl");
    const holdFile = (values.holdout as string | undefined) ?? resolve(root, "test/fixtures/eval/holdout.jsonl");
    const main = load(setFile);
    const hold = load(holdFile);
    const progress = new Progress({ label: "eval", total: main.length + hold.length, unit: "messages" });
    const a = evaluate(main, progress);
    const h = evaluate(hold, progress);
    progress.finish();
    const rows: BenchResult[] = [
      result("pii recall (structured identifiers)", a.piiStructured.recall, "ratio", "naive regex", a.piiBase.recall, 0.97),
      result("pii precision (structured identifiers)", a.piiStructured.precision, "ratio", "naive regex", a.piiBase.precision, 0.95),
      result("pii f1 (structured identifiers)", a.piiStructured.f1, "ratio", "naive regex", a.piiBase.f1, null),
      result("pii f1 (all types incl. names, dates of birth)", a.piiAll.f1, "ratio", "naive regex", a.piiBaseAll.f1, null),
      result("sentiment macro-F1", a.sentiment.macroF1, "ratio", "majority class", a.sentimentBase.macroF1, 0.8),
      result("intent accuracy", a.intent, "ratio", "majority class", a.intentBase, 0.8),
      result("hold-out: pii recall (structured)", h.piiStructured.recall, "ratio", "naive regex", h.piiBase.recall, 0.97),
      result("hold-out: pii precision (structured)", h.piiStructured.precision, "ratio", "naive regex", h.piiBase.precision, 0.95),
      result("hold-out: sentiment macro-F1", h.sentiment.macroF1, "ratio", "majority class", h.sentimentBase.macroF1, 0.8),
      result("hold-out: intent accuracy", h.intent, "ratio", "majority class", h.intentBase, 0.8),
    ];
    // Absolute scores are what the targets are about; the ratio to the baseline shows the lift.
    for (const r of rows) if (r.target !== null) r.pass = r.value >= r.target;
    const path = writeResults(values.out ? String(values.out) : "agents", `bun cli/weir.ts eval${argv.length ? " " + argv.join(" ") : ""}`, rows, {
      sets: { main: { file: setFile, messages: a.n }, holdout: { file: holdFile, messages: h.n } },
      details: {
        main: { sentimentPerLabel: a.sentiment.perLabel, piiPerType: a.perType, piiStructured: a.piiStructured, misses: a.misses },
        holdout: { sentimentPerLabel: h.sentiment.perLabel, piiPerType: h.perType, piiStructured: h.piiStructured },
      },
      notes: [
        "`pass` compares the absolute score with the target; `ratio` is weir ÷ the trivial baseline from the same run.",
        "The hold-out set is generated with a different seed and the other half of the phrasings, so rules were not tuned on it.",
      ],
    });
    for (const r of rows) process.stdout.write(`${r.pass === false ? "MISS" : "ok  "} ${r.name.padEnd(48)} ${r.value.toFixed(3)} (baseline ${r.baseline_value.toFixed(3)}, target ${r.target ?? "-"})\n`);
    process.stdout.write(`wrote ${path}\n`);
    return rows.slice(0, 6).some((r) => r.pass === false) ? EXIT.FAILURE : EXIT.OK;
  },
};
export default command;
