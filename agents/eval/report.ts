// Accuracy of the offline agents on the hand-written evaluation set (agents/eval/dataset.ts), split
// into the part rules were tuned on and the held-out part: per-label precision, recall and F1 for
// sentiment and intent, sentiment calibration (how often answers at each confidence are right),
// personal-data spans per type, and, where a reference library is installed, its sentiment figures
// on the same messages. Used by `weir eval` and bench/agents/run.ts.
import { classifyIntent, INTENTS } from "../insights.ts";
import { recognize } from "../pii/recognizers.ts";
import { scoreText, SENTIMENT_THRESHOLD } from "../sentiment.ts";
import { result, type BenchResult } from "../../bench/lib/results.ts";
import { loadEvalSet, type EvalItem, type SentimentLabel } from "./dataset.ts";
import { accuracy, macroF1, spanPRF, type PRF } from "./metrics.ts";

const LABELS: SentimentLabel[] = ["positive", "neutral", "negative"];
const STRUCTURED = new Set(["email", "phone", "card", "iban", "ssn", "ip"]);
const PII_TYPES = ["email", "phone", "card", "iban", "ssn", "ip", "dob", "address", "name"];

export const labelOf = (score: number, th = SENTIMENT_THRESHOLD): SentimentLabel => (score > th ? "positive" : score < -th ? "negative" : "neutral");

/** Calibration: for each confidence band, how many answers and the share that were right. */
export function calibration(conf: number[], right: boolean[]) {
  const bands: Array<[string, number, number]> = [
    [">=0.9", 0.9, 1.01],
    ["0.7-0.9", 0.7, 0.9],
    ["0.5-0.7", 0.5, 0.7],
    ["<0.5", 0, 0.5],
  ];
  return Object.fromEntries(
    bands.map(([name, lo, hi]) => {
      const idx = conf.map((c, i) => (c >= lo && c < hi ? i : -1)).filter((i) => i >= 0);
      return [name, { n: idx.length, accuracy: idx.length ? round(idx.filter((i) => right[i]).length / idx.length) : null }];
    }),
  );
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const roundPrf = (p: PRF) => ({ precision: round(p.precision), recall: round(p.recall), f1: round(p.f1), tp: p.tp, fp: p.fp, fn: p.fn });

interface Reference {
  name: string;
  label(text: string): SentimentLabel;
}

/** Off-the-shelf sentiment libraries, when installed (none is a dependency): each with its own documented thresholds. */
async function references(): Promise<Reference[]> {
  const out: Reference[] = [];
  try {
    const Sentiment = ((await import("sentiment" as string)) as { default: new () => { analyze(s: string): { score: number } } }).default;
    const s = new Sentiment();
    out.push({ name: "sentiment (AFINN-165)", label: (t) => labelOf(s.analyze(t).score, 0) });
  } catch {}
  try {
    const vader = ((await import("vader-sentiment" as string)) as { default?: unknown; SentimentIntensityAnalyzer?: unknown }) as { SentimentIntensityAnalyzer: { polarity_scores(s: string): { compound: number } } };
    const sia = vader.SentimentIntensityAnalyzer ?? (vader as unknown as { default: typeof vader }).default.SentimentIntensityAnalyzer;
    out.push({ name: "vader-sentiment", label: (t) => labelOf(sia.polarity_scores(t).compound, 0.05) });
  } catch {}
  return out;
}

function sentimentFigures(items: EvalItem[], label: (t: string) => SentimentLabel) {
  const gold = items.map((i) => i.sentiment);
  const pred = items.map((i) => label(i.text));
  const m = macroF1(gold, pred, LABELS);
  // Binary, as the comparison does: positive vs negative, neutral by the sign (here: left out when gold is neutral).
  const polar = items.map((it, k) => [it.sentiment, pred[k]] as const).filter(([g]) => g !== "neutral");
  return { accuracy: round(accuracy(gold, pred)), macroF1: round(m.macroF1), perLabel: Object.fromEntries(LABELS.map((l) => [l, roundPrf(m.perLabel[l])])), polarAccuracy: round(polar.filter(([g, p]) => g === p).length / Math.max(1, polar.length)) };
}

function evaluate(items: EvalItem[]) {
  const scored = items.map((i) => scoreText(i.text));
  const sentiment = sentimentFigures(items, (t) => labelOf(scoreText(t).score));
  const right = items.map((it, k) => labelOf(scored[k].score) === it.sentiment);
  const intentGold = items.map((i) => i.intent);
  const intentPred = items.map((i) => classifyIntent(i.text).intent);
  const intent = macroF1(intentGold, intentPred, [...INTENTS]);
  const gold = items.map((i) => i.pii);
  const pred = items.map((i) => recognize(i.text));
  return {
    n: items.length,
    sentiment: { ...sentiment, calibration: calibration(scored.map((s) => s.confidence), right) },
    intent: { accuracy: round(accuracy(intentGold, intentPred)), macroF1: round(intent.macroF1), perLabel: Object.fromEntries(INTENTS.map((l) => [l, roundPrf(intent.perLabel[l])])) },
    pii: {
      structured: roundPrf(spanPRF(gold, pred, STRUCTURED)),
      all: roundPrf(spanPRF(gold, pred)),
      perType: Object.fromEntries(PII_TYPES.map((t) => [t, roundPrf(spanPRF(gold, pred, new Set([t])))])),
      /** Findings in messages with no personal data marked: false alarms on order numbers, prices, dates. */
      falseAlarmMessages: items.filter((it, k) => !it.pii.length && pred[k].length).map((it) => it.id),
    },
    misses: {
      sentiment: items.filter((_, k) => !right[k]).map((it) => it.id),
      intent: items.filter((it, k) => intentPred[k] !== it.intent).map((it) => it.id),
    },
  };
}

/** The report: rows for bench/results (targets on the held-out part) and the full detail. */
export async function evalReport(file?: string): Promise<{ results: BenchResult[]; detail: Record<string, unknown> }> {
  const items = loadEvalSet(file);
  const tune = evaluate(items.filter((i) => i.split === "tune"));
  const hold = evaluate(items.filter((i) => i.split === "holdout"));
  const holdItems = items.filter((i) => i.split === "holdout");
  const refs = await references();
  const refFigures = Object.fromEntries(refs.map((r) => [r.name, { tune: sentimentFigures(items.filter((i) => i.split === "tune"), r.label), holdout: sentimentFigures(holdItems, r.label) }]));
  const majority = (xs: string[]) => [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0][0];
  const majSent = majority(holdItems.map((i) => i.sentiment));
  const majorityF1 = macroF1(holdItems.map((i) => i.sentiment), holdItems.map(() => majSent), LABELS).macroF1;
  const bestRef = refs.length ? Object.entries(refFigures).sort((a, b) => b[1].holdout.macroF1 - a[1].holdout.macroF1)[0] : undefined;
  const hi = hold.sentiment.calibration[">=0.9"] as { n: number; accuracy: number | null };
  const rows: BenchResult[] = [
    result("hold-out sentiment macro-F1", hold.sentiment.macroF1, "ratio", bestRef ? `${bestRef[0]} (same messages)` : "majority class (no reference library installed)", bestRef ? bestRef[1].holdout.macroF1 : majorityF1, bestRef ? 1 : null),
    result("hold-out sentiment accuracy, answers with confidence >= 0.9", hi.accuracy ?? 0, "ratio", "target 0.9", 0.9, 1),
    result("hold-out intent accuracy", hold.intent.accuracy, "ratio", "majority class", accuracy(holdItems.map((i) => i.intent), holdItems.map(() => majority(holdItems.map((x) => x.intent)))), null),
    result("hold-out pii f1 (structured identifiers)", hold.pii.structured.f1, "ratio", "target 0.95", 0.95, 1),
    result("hold-out pii f1 (all types)", hold.pii.all.f1, "ratio", "target 0.9", 0.9, 1),
  ];
  if (hi.accuracy === null) rows[1].pass = null;
  return {
    results: rows,
    detail: {
      set: { file: "test/fixtures/eval/support-eval.txt", messages: items.length, tune: tune.n, holdout: hold.n },
      tune,
      holdout: hold,
      references: refs.length ? refFigures : "none installed (sentiment, vader-sentiment, wink-nlp are not dependencies of weir)",
      notes: [
        "Written and labelled by hand for weir; items numbered a multiple of 3 are held out and were not looked at while tuning.",
        "polarAccuracy: share right among messages labelled positive or negative (neutral predictions count as wrong).",
      ],
    },
  };
}
