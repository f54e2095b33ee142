// The summary agent: a rolling extractive summary of a conversation, updated per message. Offline:
// each sentence kept in actor state carries its centrality (summed word-overlap similarity to the
// other kept sentences), updated incrementally as messages arrive; the most central ones are the
// summary. State and cost per message are bounded by `keep`, not by the conversation's length.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "./agent.ts";
import { SupportMessage } from "./message.ts";
import { askLlm } from "./llm-call.ts";
import type { AgentContext, PromptTemplate } from "./agent.ts";

export const SUMMARY_PROMPT: PromptTemplate = {
  id: "summary",
  version: 1,
  system: "You keep a short running summary (at most 3 sentences) of a customer support conversation. The text is already redacted; never guess redacted values. Answer with JSON only.",
  render: (input, state) => `Summary so far:\n${((state as { candidates?: Array<{ text: string }> }).candidates ?? []).map((c) => c.text).slice(-8).join(" ") || "(none)"}\n\nNew message:\n${(input as { text: string }).text}\n\nReturn {"summary": "..."}.`,
};

const STOP_WORDS = "a an the and or but if then so to of in on at for with by from is are was were be been am i you he she it we they me my your our their this that these those have has had do does did not no yes can could would should will just very really also there here what when where which who how hi hello thanks thank please".split(" ");

const FNV_OFFSET = 0x811c9dc5 | 0;
/** FNV-1a: a word's stable 32-bit id, the same in every process (state moves between processes). */
function wordId(w: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h;
}
const STOP_IDS = new Set(STOP_WORDS.map(wordId));
const SPACE = /\s/;

const sortedUnique = (ids: number[]) => {
  ids.sort((a, b) => a - b);
  let n = 0;
  for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[n - 1]) ids[n++] = ids[i];
  ids.length = n;
  return ids;
};

/**
 * The sentences worth keeping (two content words or more), each with its word ids, in one pass over
 * the characters: words are [a-z0-9'] runs (case folded) hashed as they are read, longer than two
 * letters and not stop words; a sentence ends at a line break or at whitespace after . ! or ?.
 */
function splitSentences(text: string, whole = false): Array<{ text: string; words: number[] }> {
  const out: Array<{ text: string; words: number[] }> = [];
  let start = 0;
  let ids: number[] = [];
  let h = FNV_OFFSET;
  let len = 0;
  const endWord = () => {
    if (len > 2 && !STOP_IDS.has(h)) ids.push(h);
    h = FNV_OFFSET;
    len = 0;
  };
  const endSentence = (end: number) => {
    endWord();
    if (ids.length >= (whole ? 1 : 2)) {
      const t = text.slice(start, end).trim();
      out.push({ text: t.length > 300 ? t.slice(0, 297) + "..." : t, words: sortedUnique(ids) });
    }
    ids = [];
  };
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39) {
      h = Math.imul(h ^ c, 0x01000193);
      len++;
      continue;
    }
    endWord();
    if (whole) continue;
    if (c === 10) {
      endSentence(i);
      start = i + 1;
    } else if ((c === 32 || c === 9 || c === 13 || (c > 127 && SPACE.test(text[i]))) && i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p === 46 || p === 33 || p === 63) {
        endSentence(i);
        start = i + 1;
      }
    }
  }
  endSentence(text.length);
  return out;
}

export function sentences(text: string): string[] {
  return splitSentences(text).map((s) => s.text);
}

/** A sentence's content words as sorted unique ids: similarity is then one merge of numbers. */
export function wordKey(s: string): number[] {
  return splitSentences(s, true)[0]?.words ?? [];
}

/** Word-overlap similarity of two sentences (TextRank's), from their sorted unique word ids. */
export function similarity(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return 0;
  return overlap(a, b) / (Math.log(a.length + 1) + Math.log(b.length + 1));
}

/** How many ids two sorted lists share. */
function overlap(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return common;
}

/** A kept sentence. Never modified once made, so successive states share it instead of copying. */
export interface Candidate {
  text: string;
  order: number;
  words: number[];
}

/** Kept sentences and, at the same index, each one's centrality (its summed similarity to the others). */
export interface Kept {
  candidates: Candidate[];
  scores: number[];
}

/**
 * Adds a message's sentences to the kept ones and evicts the least central down to `keep` (never
 * the newest). Each new sentence is compared with the kept ones only, and an evicted one's
 * similarities are taken back: the cost per message is O(keep × new sentences), whatever the
 * conversation's length. Degree centrality stands in for TextRank's PageRank, which ranks the same
 * sentences first on short texts and would need the whole graph rerun on every message. A state
 * without scores (a snapshot from before they were kept) is rescored once.
 */
export function addSentences(prev: { candidates: ReadonlyArray<Omit<Candidate, "words"> & { words?: number[] }>; scores?: readonly number[] }, text: string, keep: number): Kept {
  const complete = prev.scores?.length === prev.candidates.length && prev.candidates.every((c) => c.words);
  const out: Candidate[] = complete ? (prev.candidates.slice() as Candidate[]) : prev.candidates.map((c) => ({ text: c.text, order: c.order, words: c.words ?? wordKey(c.text) }));
  // log(|words| + 1) of each candidate, computed once per call (the similarity's denominator).
  const norm: number[] = out.map((c) => Math.log(c.words.length + 1));
  const sim = (a: number, b: number) => (norm[a] && norm[b] ? overlap(out[a].words, out[b].words) / (norm[a] + norm[b]) : 0);
  const scores: number[] = complete ? prev.scores!.slice() : out.map((_, i) => out.reduce((acc, _c, j) => (j === i ? acc : acc + sim(i, j)), 0));
  let order = out.length ? out[out.length - 1].order + 1 : 0;
  for (const s of splitSentences(text)) {
    const f = out.length;
    out.push({ text: s.text, order: order++, words: s.words });
    norm.push(Math.log(s.words.length + 1));
    scores.push(0);
    for (let i = 0; i < f; i++) {
      const v = sim(f, i);
      scores[i] += v;
      scores[f] += v;
    }
  }
  while (out.length > keep) {
    const newest = out.length - 1;
    let worst = 0;
    for (let i = 1; i < newest; i++) if (scores[i] < scores[worst]) worst = i;
    for (let i = 0; i < out.length; i++) if (i !== worst) scores[i] -= sim(worst, i);
    out.splice(worst, 1);
    norm.splice(worst, 1);
    scores.splice(worst, 1);
  }
  return { candidates: out, scores };
}

/** The `n` most central kept sentences, in conversation order. */
export function topSentences(kept: Kept, n: number): Candidate[] {
  return kept.candidates
    .map((c, i) => ({ c, s: kept.scores[i] }))
    .sort((a, b) => b.s - a.s || a.c.order - b.c.order)
    .slice(0, n)
    .map((x) => x.c)
    .sort((a, b) => a.order - b.order);
}

export const SummaryOutput = Type.Object({ summary: Type.String(), sentences: Type.Integer({ minimum: 0 }), messages: Type.Integer({ minimum: 0 }) });
/**
 * `scores[i]` is the centrality of `candidates[i]`. `words` and `scores` are optional so a snapshot
 * from before they were kept still restores (they are recomputed once).
 */
export const SummaryState = Type.Object({
  candidates: Type.Array(Type.Object({ text: Type.String(), order: Type.Integer(), words: Type.Optional(Type.Array(Type.Integer())) })),
  scores: Type.Optional(Type.Array(Type.Number())),
  messages: Type.Integer(),
});


export const summary = defineAgent({
  name: "summary",
  description: "Rolling extractive conversation summary (sentence centrality, updated per message), kept in actor state.",
  input: SupportMessage,
  output: SummaryOutput,
  state: SummaryState,
  initialState: () => ({ candidates: [], scores: [], messages: 0 }),
  prompt: SUMMARY_PROMPT,
  async llm(input, ctx, config: { keep?: number }) {
    const r = await askLlm<{ summary: string }>("summary", SUMMARY_PROMPT, Type.Object({ summary: Type.String() }), input, ctx as AgentContext<unknown>);
    const kept = addSentences(ctx.state, input.text, config?.keep ?? 24);
    return { output: { summary: r.summary, sentences: sentences(r.summary).length, messages: ctx.state.messages + 1 }, state: { ...kept, messages: ctx.state.messages + 1 } };
  },
  offline(input, ctx, config: { maxSentences?: number; keep?: number }) {
    const kept = addSentences(ctx.state, input.text, config.keep ?? 24);
    const top = topSentences(kept, config.maxSentences ?? 3);
    return { output: { summary: top.map((t) => t.text).join(" "), sentences: top.length, messages: ctx.state.messages + 1 }, state: { ...kept, messages: ctx.state.messages + 1 } };
  },
});
