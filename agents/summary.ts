// The summary agent: a rolling extractive summary of a conversation, updated per message. Offline:
// TextRank over the sentences kept in actor state (bounded: the best candidates, not the history).
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

const STOP = new Set("a an the and or but if then so to of in on at for with by from is are was were be been am i you he she it we they me my your our their this that these those have has had do does did not no yes can could would should will just very really also there here what when where which who how hi hello thanks thank please".split(" "));

function words(s: string): string[] {
  return s.toLowerCase().match(/[a-z0-9']+/g)?.filter((w) => w.length > 2 && !STOP.has(w)) ?? [];
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => words(s).length >= 2);
}

/** TextRank: sentences as nodes, word-overlap similarity as edges, PageRank scores. */
export function textRank(sents: string[], iterations = 20, d = 0.85): number[] {
  return rankWordSets(sents.map((s) => new Set(words(s))), iterations, d);
}

/**
 * TextRank over sentences already split into word sets. The transition matrix is built once as a
 * flat Float64Array (runs once per message per conversation, so it is the agent's hot loop).
 */
function rankWordSets(ws: Array<Set<string>>, iterations = 20, d = 0.85): number[] {
  const n = ws.length;
  if (n === 0) return [];
  const sim = new Float64Array(n * n);
  const logSize = ws.map((w) => Math.log(w.size + 1));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const a = ws[i], b = ws[j];
      if (!a.size || !b.size) continue;
      const [small, large] = a.size <= b.size ? [a, b] : [b, a];
      let common = 0;
      for (const w of small) if (large.has(w)) common++;
      sim[i * n + j] = sim[j * n + i] = common / (logSize[i] + logSize[j]);
    }
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j] += sim[j * n + i];
  // M[i][j] = sim[j][i] / out[j]: the share of j's score that flows to i.
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (out[j]) m[i * n + j] = sim[j * n + i] / out[j];
  let score = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += m[i * n + j] * score[j];
      next[i] = (1 - d) / n + d * acc;
    }
    [score, next] = [next, score];
  }
  return Array.from(score);
}

export const SummaryOutput = Type.Object({ summary: Type.String(), sentences: Type.Integer({ minimum: 0 }), messages: Type.Integer({ minimum: 0 }) });
export const SummaryState = Type.Object({ candidates: Type.Array(Type.Object({ text: Type.String(), order: Type.Integer() })), messages: Type.Integer() });

export const summary = defineAgent({
  name: "summary",
  description: "Rolling extractive conversation summary (TextRank), kept in actor state.",
  input: SupportMessage,
  output: SummaryOutput,
  state: SummaryState,
  initialState: () => ({ candidates: [], messages: 0 }),
  prompt: SUMMARY_PROMPT,
  async llm(input, ctx) {
    const r = await askLlm<{ summary: string }>("summary", SUMMARY_PROMPT, Type.Object({ summary: Type.String() }), input, ctx as AgentContext<unknown>);
    const order = ctx.state.candidates.reduce((m, c) => Math.max(m, c.order), -1) + 1;
    const candidates = [...ctx.state.candidates, ...sentences(input.text).map((text, i) => ({ text, order: order + i }))].slice(-24);
    return { output: { summary: r.summary, sentences: sentences(r.summary).length, messages: ctx.state.messages + 1 }, state: { candidates, messages: ctx.state.messages + 1 } };
  },
  offline(input, ctx, config: { maxSentences?: number; keep?: number }) {
    const maxSentences = config.maxSentences ?? 3;
    const keep = config.keep ?? 24;
    const order0 = ctx.state.candidates.reduce((m, c) => Math.max(m, c.order), -1) + 1;
    const fresh = sentences(input.text).map((text, i) => ({ text: text.length > 300 ? text.slice(0, 297) + "..." : text, order: order0 + i }));
    let candidates = [...ctx.state.candidates, ...fresh];
    const wordSets = new Map(candidates.map((c) => [c, new Set(words(c.text))]));
    // Bounded state: keep the best-ranked candidates (and always the newest sentence).
    if (candidates.length > keep) {
      const scores = rankWordSets(candidates.map((c) => wordSets.get(c)!));
      const ranked = candidates.map((c, i) => ({ c, s: scores[i] + (c.order === order0 + fresh.length - 1 ? 1 : 0) })).sort((a, b) => b.s - a.s);
      candidates = ranked.slice(0, keep).map((r) => r.c).sort((a, b) => a.order - b.order);
    }
    const rescored = rankWordSets(candidates.map((c) => wordSets.get(c)!));
    const top = candidates
      .map((c, i) => ({ c, s: rescored[i] }))
      .sort((a, b) => b.s - a.s)
      .slice(0, maxSentences)
      .sort((a, b) => a.c.order - b.c.order);
    const text = top.map((t) => t.c.text).join(" ");
    return { output: { summary: text, sentences: top.length, messages: ctx.state.messages + 1 }, state: { candidates, messages: ctx.state.messages + 1 } };
  },
});
