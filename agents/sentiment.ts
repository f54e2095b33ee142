// The sentiment agent: label, score in [-1, 1] and confidence per message, and a per-conversation
// trend in actor state. Offline: a lexicon with support-domain terms, negation, intensifiers,
// contrast ("but" weighs the clause after it), emoji and emphasis (ALL CAPS, "!!!").
import { Type } from "@sinclair/typebox";
import { defineAgent } from "./agent.ts";
import { SupportMessage } from "./message.ts";
import { LEXICON, PHRASES, EMOJI } from "./sentiment-lexicon.ts";
import { askLlm } from "./llm-call.ts";
import type { AgentContext, PromptTemplate } from "./agent.ts";

export const SentimentOutput = Type.Object({
  label: Type.Union([Type.Literal("positive"), Type.Literal("neutral"), Type.Literal("negative")]),
  score: Type.Number({ minimum: -1, maximum: 1 }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  trend: Type.Union([Type.Literal("improving"), Type.Literal("worsening"), Type.Literal("stable")]),
});
export const SentimentState = Type.Object({ ewma: Type.Number(), count: Type.Integer(), last: Type.Array(Type.Number()) });

const NEGATORS = new Set(["not", "no", "never", "n't", "cannot", "cant", "can't", "dont", "don't", "doesnt", "doesn't", "didnt", "didn't", "isnt", "isn't", "wasnt", "wasn't", "wont", "won't", "nothing", "nobody", "hardly", "barely", "without", "neither", "nor", "aint"]);
const INTENSIFIERS: Record<string, number> = { very: 1.5, really: 1.4, extremely: 1.8, so: 1.3, super: 1.5, incredibly: 1.7, totally: 1.4, absolutely: 1.6, completely: 1.5, utterly: 1.7, highly: 1.4, truly: 1.3, quite: 1.15, most: 1.3, too: 1.2, seriously: 1.4 };
const DIMINISHERS: Record<string, number> = { slightly: 0.5, somewhat: 0.6, "a bit": 0.6, little: 0.6, kinda: 0.6, fairly: 0.8, barely: 0.4 };
const CONTRAST = new Set(["but", "however", "although", "though", "yet", "except"]);

function tokens(text: string): string[] {
  return text.toLowerCase().replace(/[’‘]/g, "'").match(/[a-z]+(?:'[a-z]+)?|[!?]+/g) ?? [];
}

/** Scores one clause: lexicon words and phrases, with negation and intensity. */
function clauseScore(clause: string): { sum: number; hits: number } {
  const lower = clause.toLowerCase().replace(/[’‘]/g, "'");
  let sum = 0;
  let hits = 0;
  let masked = lower;
  for (const [phrase, v] of PHRASES) {
    if (masked.includes(phrase)) {
      const neg = new RegExp(`\\b(not|never|no longer|n't)\\s+(?:\\w+\\s+)?${phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).test(masked);
      sum += neg ? -v * 0.6 : v;
      hits++;
      masked = masked.split(phrase).join(" ");
    }
  }
  const toks = tokens(masked);
  for (let i = 0; i < toks.length; i++) {
    const w = toks[i];
    let v = LEXICON[w];
    if (v === undefined) continue;
    let mult = 1;
    for (let j = Math.max(0, i - 3); j < i; j++) {
      const p = toks[j];
      if (NEGATORS.has(p) || p.endsWith("n't")) mult *= -0.7;
      else if (INTENSIFIERS[p]) mult *= INTENSIFIERS[p];
      else if (DIMINISHERS[p]) mult *= DIMINISHERS[p];
    }
    v *= mult;
    sum += v;
    hits++;
  }
  return { sum, hits };
}

/** Sign-offs ("Thanks, Maria", "Best, Sam") are etiquette, not sentiment. */
const SIGN_OFF = /\n\s*(?:kind regards|best regards|regards|best|thanks|thank you|cheers|sincerely|many thanks)[,!.]?\s*(?:[A-Z][\w'-]*\s*){0,2}$/i;

export function scoreText(raw: string): { score: number; confidence: number } {
  const text = raw.replace(SIGN_OFF, "");
  if (!text.trim()) return { score: 0, confidence: 0.3 };
  // Contrast: the clause after "but" carries more weight than the one before.
  const parts = text.split(/\b(but|however|although|though|yet)\b/i);
  let sum = 0;
  let hits = 0;
  let weight = 1;
  for (const part of parts) {
    if (CONTRAST.has(part.toLowerCase())) {
      weight = 1.6;
      sum *= 0.5;
      continue;
    }
    const c = clauseScore(part);
    sum += c.sum * weight;
    hits += c.hits;
  }
  for (const [e, v] of EMOJI) {
    const n = text.split(e).length - 1;
    if (n) {
      sum += v * Math.min(n, 3);
      hits += n;
    }
  }
  const letters = text.replace(/[^A-Za-z]/g, "");
  const caps = letters.length >= 8 && letters.replace(/[^A-Z]/g, "").length / letters.length > 0.6;
  const bangs = /!{2,}/.test(text);
  if (caps || bangs) sum *= 1.3;
  if (caps && sum === 0) sum = -0.8;
  const score = Math.tanh(sum / 3);
  const confidence = Math.min(0.98, 0.45 + 0.12 * hits + Math.abs(score) * 0.35);
  return { score: Math.round(score * 1000) / 1000, confidence: Math.round(confidence * 100) / 100 };
}

/** |score| above this is positive or negative; below it, neutral. */
export const SENTIMENT_THRESHOLD = 0.25;

const LlmSentiment = Type.Object({ label: SentimentOutput.properties.label, score: SentimentOutput.properties.score, confidence: SentimentOutput.properties.confidence });
export const SENTIMENT_PROMPT: PromptTemplate = {
  id: "sentiment",
  version: 1,
  system: "You label the sentiment of customer support messages. Sarcasm counts as negative. Politeness formulas (thanks, regards) are neutral. Answer with JSON only.",
  render: (input) => `Message:\n${(input as { text: string }).text}\n\nReturn label (positive|neutral|negative), score in [-1,1] and confidence in [0,1].`,
};

function withTrend(score: number, state: { ewma: number; count: number; last: number[] }) {
  const ewma = state.count === 0 ? score : 0.6 * state.ewma + 0.4 * score;
  const trend = state.count === 0 || Math.abs(ewma - state.ewma) <= 0.1 ? ("stable" as const) : ewma > state.ewma ? ("improving" as const) : ("worsening" as const);
  return { trend, state: { ewma, count: state.count + 1, last: [...state.last, score].slice(-10) } };
}

export const sentiment = defineAgent({
  name: "sentiment",
  description: "Sentiment label, score and confidence per message; a running trend per conversation.",
  input: SupportMessage,
  output: SentimentOutput,
  state: SentimentState,
  initialState: () => ({ ewma: 0, count: 0, last: [] }),
  prompt: SENTIMENT_PROMPT,
  async llm(input, ctx) {
    const r = await askLlm<{ label: "positive" | "neutral" | "negative"; score: number; confidence: number }>("sentiment", SENTIMENT_PROMPT, LlmSentiment, input, ctx as AgentContext<unknown>);
    const { trend, state } = withTrend(r.score, ctx.state);
    return { output: { ...r, trend }, state };
  },
  offline(input, ctx, config: { threshold?: number }) {
    const { score, confidence } = scoreText(input.text);
    const th = config.threshold ?? SENTIMENT_THRESHOLD;
    const label = score > th ? ("positive" as const) : score < -th ? ("negative" as const) : ("neutral" as const);
    const { trend, state } = withTrend(score, ctx.state);
    return { output: { label, score, confidence, trend }, state };
  },
});
