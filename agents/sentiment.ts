// The sentiment agent: label, score in [-1, 1] and confidence per message, and a per-conversation
// trend in actor state. Offline: a lexicon of feelings, support events and phrases, scored in one
// pass over the tokens with negation, intensifiers, conditionals, contrast, emphasis, emoji,
// damping of calm problem reports and sarcasm (see scoreText).
import { Type } from "@sinclair/typebox";
import { defineAgent } from "./agent.ts";
import { SupportMessage } from "./message.ts";
import { CONDITIONAL, CONTRAST, DIMINISHERS, EMOJI, EVENTS, EXPECTED, FEELINGS, INTENSIFIERS, NEGATORS, PHRASES } from "./sentiment-lexicon.ts";
import { askLlm } from "./llm-call.ts";
import type { AgentContext, PromptTemplate } from "./agent.ts";

export const SentimentOutput = Type.Object({
  label: Type.Union([Type.Literal("positive"), Type.Literal("neutral"), Type.Literal("negative")]),
  score: Type.Number({ minimum: -1, maximum: 1 }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  trend: Type.Union([Type.Literal("improving"), Type.Literal("worsening"), Type.Literal("stable")]),
});
export const SentimentState = Type.Object({ ewma: Type.Number(), count: Type.Integer(), last: Type.Array(Type.Number()) });

/** |score| above this is positive or negative; below it, neutral. */
export const SENTIMENT_THRESHOLD = 0.25;

/** Phrases by their first token, longest first. */
const PHRASE_INDEX = new Map<string, Array<{ toks: string[]; v: number }>>();
for (const [p, v] of PHRASES) {
  const toks = p.split(" ");
  const list = PHRASE_INDEX.get(toks[0]) ?? [];
  list.push({ toks, v });
  list.sort((a, b) => b.toks.length - a.toks.length);
  PHRASE_INDEX.set(toks[0], list);
}
/** Politeness, not feeling: "thanks" at the end of a request does not make it positive. */
const POLITE = new Set(["thanks", "thank", "thx", "ty", "please", "appreciate", "appreciated", "cheers", "kind", "sorry"]);
/** Phrasings of a request: with no feeling in the message, the problems it mentions are reported calmly. */
const REQUEST = /^(?:\W*(?:hi|hello|hey|dear [\w ]+)\W+)?(?:could|can|would|please|how|is there|do you|does|are you|any)\b|\b(?:could you|can you|would you|is it possible|is there a way|i'd like to|we'd like to|please)\b/i;
/** Acronyms are capitals without shouting. */
const ACRONYMS = new Set(["api", "sdk", "pdf", "csv", "vat", "gdpr", "ccpa", "sso", "it", "us", "eu", "uk", "utc", "sms", "url", "id", "ok", "ip", "ssl", "dns", "cors", "rest", "json", "po", "faq", "ceo", "usd", "eur", "gbp", "otp", "iban", "dpa", "crm", "ios", "asap", "tv", "pc", "hr", "sftp"]);

/** Sign-offs ("Thanks, Maria", "Best, Sam") are etiquette, not sentiment; quoted lines ("> ...") are someone else's words. */
const SIGN_OFF = /\n\s*(?:--\s*\n[\s\S]*|(?:kind regards|best regards|regards|best|thanks|thank you|thanks in advance|cheers|sincerely|many thanks)[,!.]?\s*(?:[A-Z][\w'-]*\s*){0,3}(?:\n[\s\S]{0,200})?)$/i;
const QUOTED = /^\s*>.*$/gm;

/** Lower-case word tokens ("doesn't" → "does", "n't") and the punctuation that bounds sentences. */
function tokenize(text: string): string[] {
  let lower = text.toLowerCase();
  if (/[’‘`]/.test(lower)) lower = lower.replace(/[’‘`]/g, "'");
  const raw = lower.match(/[a-z0-9*]+(?:'[a-z]+)?|[!?]+|[.,;:\n]/g) ?? [];
  if (!lower.includes("n't")) return raw;
  const out: string[] = [];
  for (const t of raw) {
    if (t.length > 3 && t.endsWith("n't")) out.push(t.slice(0, -3), "n't");
    else out.push(t);
  }
  return out;
}

/** Everything the scorer knows about a token, found with one lookup. */
interface Entry {
  v?: number;
  kind?: "feeling" | "event" | "polite";
  phrases?: Array<{ toks: string[]; v: number }>;
  contrast?: true;
  expected?: true;
  /** As a modifier of a later word: negate, scale, or make it hypothetical. */
  negates?: true;
  scale?: number;
  conditional?: true;
  /** oh, yeah, sure, just: a sarcasm cue before praise. */
  cue?: true;
}
const LEX = new Map<string, Entry>();
const entry = (t: string) => {
  let e = LEX.get(t);
  if (!e) LEX.set(t, (e = {}));
  return e;
};
for (const [t, v] of Object.entries(FEELINGS)) Object.assign(entry(t), { v, kind: POLITE.has(t) ? "polite" : "feeling" });
for (const [t, v] of Object.entries(EVENTS)) if (entry(t).v === undefined) Object.assign(entry(t), { v, kind: "event" });
for (const t of EXPECTED) entry(t).expected = true;
for (const t of CONTRAST) entry(t).contrast = true;
for (const [t, ps] of PHRASE_INDEX) entry(t).phrases = ps;
for (const t of NEGATORS) entry(t).negates = true;
for (const [t, k] of Object.entries(INTENSIFIERS)) entry(t).scale = 1 + k;
for (const [t, k] of Object.entries(DIMINISHERS)) entry(t).scale = k;
for (const t of CONDITIONAL) entry(t).conditional = true;
for (const t of ["oh", "yeah", "sure", "just"]) entry(t).cue = true;
const MISSING = new Set(["no", "never", "nothing", "without"]);

interface Contribution {
  v: number;
  /** feeling (judgement, phrase, emoji) or event (what happened): events are damped in calm messages. */
  kind: "feeling" | "event" | "polite";
  /** Index in the token list, for contrast ("but") and sarcasm. */
  at: number;
}

/**
 * Scores a message in one pass over its tokens: phrases, then words, each modified by a negator,
 * intensifier, diminisher or conditional among the three tokens before it in the same sentence;
 * contrast ("but") halves what came before and weighs what follows by 1.5; "!", "??" and
 * capitals add emphasis; emoji and emoticons count as feelings. Two support-specific rules: a calm
 * report of a problem (events, no feeling, no emphasis) is damped towards neutral, and praise
 * next to trouble with a sarcasm cue ("Oh wonderful, it crashed again") counts as negative but
 * with low confidence. Contrast and mixed feelings lower the confidence too.
 */
export function scoreText(raw: string): { score: number; confidence: number } {
  const text = raw.replace(QUOTED, "").replace(SIGN_OFF, "");
  if (!text.trim()) return { score: 0, confidence: 0.6 };
  const toks = tokenize(text);
  const caps = new Set<string>();
  const letters = text.replace(/[^A-Za-z]/g, "");
  const upper = letters.replace(/[^A-Z]/g, "").length;
  const shouting = letters.length >= 8 && upper / letters.length > 0.6;
  if (!shouting && upper) for (const m of text.matchAll(/\b[A-Z]{3,}\b/g)) if (!ACRONYMS.has(m[0].toLowerCase())) caps.add(m[0].toLowerCase());

  const parts: Contribution[] = [];
  let bangs = 0;
  let questions = 0;
  let contrastAt = -1;
  let sentenceStart = 0;
  let sarcasmCue = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const c0 = t.charCodeAt(0);
    if (c0 === 33 || c0 === 63) {
      for (const ch of t) ch === "!" ? bangs++ : questions++;
      sentenceStart = i + 1;
      continue;
    }
    if (c0 === 46 || c0 === 10 || c0 === 59) {
      sentenceStart = i + 1;
      continue;
    }
    if (c0 === 44 || c0 === 58) continue;
    const e = LEX.get(t);
    if (!e) continue;
    if (e.contrast) {
      contrastAt = i;
      continue;
    }
    let v: number | undefined;
    let kind: Contribution["kind"] = "feeling";
    let span = 1;
    if (e.phrases)
      for (const p of e.phrases) {
        let ok = i + p.toks.length <= toks.length;
        for (let k = 1; ok && k < p.toks.length; k++) ok = toks[i + k] === p.toks[k];
        if (ok) {
          v = p.v;
          span = p.toks.length;
          break;
        }
      }
    if (v === undefined) {
      v = e.v;
      kind = e.kind ?? "feeling";
      if (v === undefined && e.expected && (MISSING.has(toks[i - 1]) || (i - 2 >= sentenceStart && MISSING.has(toks[i - 2]) && toks[i - 2] !== "nothing"))) {
        parts.push({ v: -1.8, kind: "feeling", at: i });
        continue;
      }
    }
    if (v === undefined || v === 0) continue;
    // Modifiers among the three tokens before, within the sentence.
    for (let j = Math.max(sentenceStart, i - 3); j < i; j++) {
      const m = LEX.get(toks[j]);
      if (!m) continue;
      if (m.negates) v *= -0.74;
      else if (m.scale !== undefined) v *= m.scale;
      else if (m.conditional && v > 0 && kind !== "event") v *= 0.3;
      if (m.cue && v > 0 && (toks[j] !== "just" || j === i - 1)) sarcasmCue = true;
    }
    if (caps.has(t)) v *= 1.5;
    parts.push({ v, kind, at: i });
    i += span - 1;
  }
  const sarcasmPhrase = /\b(love that for me|thanks for nothing|yeah right|what a surprise|how convenient)\b/i.test(text);
  // Emoji and emoticons, only looked for when the text could hold one.
  if (/[^\x00-\x7f]|[:;][-']?[()D]/.test(text))
    for (const [e, v] of EMOJI) {
      let from = text.indexOf(e);
      for (let n = 0; from >= 0 && n < 3; n++, from = text.indexOf(e, from + e.length)) parts.push({ v, kind: "feeling", at: toks.length });
    }

  // Trouble reported next to praise: is it sarcasm?
  const trouble = parts.reduce((s, p) => s + (p.v < 0 ? p.v : 0), 0);
  const sarcastic = sarcasmPhrase || (sarcasmCue && trouble <= -1.2 && parts.some((p) => p.v > 0 && p.kind !== "polite"));
  const feeling = parts.some((p) => p.kind === "feeling" && Math.abs(p.v) >= 1);
  const emphatic = bangs >= 2 || questions >= 2 || caps.size > 0 || shouting;
  // A calm question or request about a problem ("the export fails, is there a workaround?").
  const calm = !feeling && !emphatic && (questions > 0 || REQUEST.test(text));
  let sum = 0;
  let pos = 0;
  let neg = 0;
  for (const p of parts) {
    let v = p.v;
    if (sarcastic && v > 0 && p.kind !== "polite") v = -0.6 * v;
    if (p.kind === "event" && calm) v *= 0.3;
    if (p.kind === "polite") v *= 0.6;
    if (contrastAt >= 0) v *= p.at < contrastAt ? 0.5 : 1.5;
    sum += v;
    if (v > 0.5) pos += v;
    if (v < -0.5) neg -= v;
  }
  if (sum !== 0 && bangs) sum += Math.sign(sum) * 0.29 * Math.min(bangs, 4);
  if (sum < 0 && questions >= 2) sum -= 0.3 * Math.min(questions, 4);
  if (shouting) sum = sum === 0 ? -1.2 : sum * 1.3;
  // VADER's normalisation: about ±0.5 at a sum of ±2.2, approaching ±1.
  const score = sum / Math.sqrt(sum * sum + 15);
  const mag = Math.abs(score);
  let confidence: number;
  if (mag <= SENTIMENT_THRESHOLD) confidence = parts.length === 0 ? 0.8 : Math.max(0.4, 0.75 - mag);
  else {
    confidence = 0.4 + 0.75 * mag;
    if (Math.min(pos, neg) >= 1) confidence *= 0.82; // mixed feelings
    if (contrastAt >= 0) confidence *= 0.9;
    if (!feeling) confidence *= 0.85; // events only: a problem, told calmly or not
  }
  if (sarcastic) confidence = Math.min(confidence, 0.6);
  return { score: Math.round(score * 1000) / 1000, confidence: Math.round(Math.min(0.98, confidence) * 100) / 100 };
}
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
