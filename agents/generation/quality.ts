// The quality filter a validated sample must pass before it counts: length bounds, language, banned
// terms, near-duplicates across the job, and — when the job asks for one — the sentiment, as weir's
// own sentiment agent labels the text. Each check returns the reason a sample is refused; the
// generator counts refusals by reason and keeps generating.
import { sentiment } from "../sentiment.ts";
import type { AgentContext } from "../agent.ts";
import { systemClock } from "../../engine/clock.ts";
import { logger } from "../../engine/log.ts";
import type { ResolvedJob } from "./job-request.ts";
import { nearDuplicate, simhash, words } from "./simhash.ts";

// The most frequent English function words: real English prose has well over 15% of them.
const EN = new Set("the a an and or but of to in on at for with from by is are was were be been it this that i you we they he she my your our their not no so as if then than have has had do does did can will would should could all very just there what when which who how".split(" "));
const log = logger("generation");

export function englishRatio(text: string): number {
  const w = words(text);
  return w.length ? w.filter((x) => EN.has(x)).length / w.length : 0;
}

/** The sentiment agent's label for a text (its offline implementation: no model, no state kept). */
export async function sentimentLabel(text: string): Promise<"positive" | "neutral" | "negative"> {
  const ctx = { key: "generation", tenant: "generation", state: sentiment.initialState(), clock: systemClock, log, attempt: 1, signal: new AbortController().signal } as AgentContext<never>;
  const r = await sentiment.offline({ text } as never, ctx, {});
  return r.output.label;
}

export interface QualityVerdict {
  ok: boolean;
  reason?: string;
  signature: string;
}

/** Checks one sample's text against the job and the signatures accepted so far. */
export async function checkQuality(text: string, job: ResolvedJob, seen: readonly string[]): Promise<QualityVerdict> {
  const signature = simhash(text);
  const no = (reason: string) => ({ ok: false, reason, signature });
  if (text.length < job.minLength) return no(`too short (${text.length} < ${job.minLength} characters)`);
  if (text.length > job.maxLength) return no(`too long (${text.length} > ${job.maxLength} characters)`);
  if (englishRatio(text) < 0.12) return no("not in the requested language (en)");
  const lower = ` ${words(text).join(" ")} `;
  const banned = job.bannedTerms.find((b) => lower.includes(` ${words(b).join(" ")} `));
  if (banned) return no(`banned term "${banned}"`);
  if (nearDuplicate(signature, seen)) return no("near-duplicate of an accepted sample");
  if (job.sentiment) {
    const label = await sentimentLabel(text);
    if (label !== job.sentiment) return no(`sentiment ${label}, wanted ${job.sentiment}`);
  }
  return { ok: true, signature };
}
