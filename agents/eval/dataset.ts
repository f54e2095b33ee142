// The hand-written evaluation set (test/fixtures/eval/support-eval.txt): support messages labelled
// by hand with sentiment, intent and exact personal-data spans. The file marks personal data inline
// as [[type:value]]; this loader removes the marks and records where each value ends up, so the
// spans are exact without anyone counting characters. Items numbered a multiple of 3 are held out.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { WeirError } from "../../engine/errors.ts";
import type { SpanLike } from "./metrics.ts";

export type SentimentLabel = "positive" | "neutral" | "negative";
export interface EvalItem {
  id: string;
  text: string;
  sentiment: SentimentLabel;
  intent: string;
  pii: Array<SpanLike & { value: string }>;
  split: "tune" | "holdout";
}

export const EVAL_SET = resolve(import.meta.dir, "../../test/fixtures/eval/support-eval.txt");
const SENTIMENTS = new Set(["positive", "neutral", "negative"]);

/** Removes [[type:value]] marks from a message, returning the plain text and the spans. */
export function unmark(marked: string): { text: string; pii: Array<SpanLike & { value: string }> } {
  const pii: Array<SpanLike & { value: string }> = [];
  let text = "";
  let last = 0;
  for (const m of marked.matchAll(/\[\[([a-z]+):(.+?)\]\]/g)) {
    text += marked.slice(last, m.index);
    pii.push({ type: m[1], start: text.length, end: text.length + m[2].length, value: m[2] });
    text += m[2];
    last = m.index! + m[0].length;
  }
  return { text: text + marked.slice(last), pii };
}

/** Parses the set; a malformed header is an error naming the line. */
export function loadEvalSet(file = EVAL_SET): EvalItem[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const items: EvalItem[] = [];
  let head: { id: string; sentiment: SentimentLabel; intent: string } | null = null;
  let body: string[] = [];
  const flush = () => {
    if (!head) return;
    const { text, pii } = unmark(body.join("\n").trim());
    items.push({ ...head, text, pii, split: Number(head.id) % 3 === 0 ? "holdout" : "tune" });
  };
  lines.forEach((line, i) => {
    if (line.startsWith("#") && !head) return;
    if (!line.startsWith("=== ")) {
      body.push(line);
      return;
    }
    flush();
    const f = Object.fromEntries(line.slice(4).trim().split(/\s+/).map((kv) => kv.split("=")));
    if (!f.id || !SENTIMENTS.has(f.sentiment) || !f.intent) throw new WeirError("CONFIG_INVALID", `${file}:${i + 1}: header needs id=, sentiment=positive|neutral|negative and intent=`, { details: { file, line: i + 1 } });
    head = { id: f.id, sentiment: f.sentiment as SentimentLabel, intent: f.intent };
    body = [];
  });
  flush();
  return items;
}
