// The offline generator: builds one sample from a template's phrase banks, seeded by job id and
// attempt number, so a job runs end to end with no key, gives the same samples on every replay, and
// still varies enough (several groups of alternatives, numbers and names inside each) that a few
// hundred samples pass the near-duplicate filter. Its "tokens" are estimated from the text; it costs nothing.
import { rng } from "./random.ts";
import type { ResolvedJob } from "./job-request.ts";
import { renderText, type OfflineField, type Sentiment, type Template } from "./templates.ts";

const SENTIMENTS: Sentiment[] = ["positive", "neutral", "negative"];

function fieldValue(f: OfflineField, vars: Record<string, unknown>, r: ReturnType<typeof rng>): unknown {
  if (Array.isArray(f)) {
    if (f.length && Array.isArray(f[0])) return (f as string[][]).map((group) => renderText(r.pick(group), vars, r)).join(" ");
    return renderText(r.pick(f as string[]), vars, r);
  }
  if ("int" in f) return r.int(f.int[0], f.int[1]);
  return f.bool;
}

/** One candidate as the raw text a model would answer (JSON), for the same validation path. */
export function localSample(t: Template, job: ResolvedJob, jobId: string, attempt: number): string {
  const r = rng(`${jobId}:${attempt}`);
  const have = SENTIMENTS.filter((s) => t.offline[s]);
  // The target sentiment when the template has phrases for it; otherwise a varied mix.
  const mood = job.sentiment && t.offline[job.sentiment] ? job.sentiment : r.pick(have.length ? have : SENTIMENTS);
  const bank = t.offline[mood] ?? {};
  const vars = { ...job.variables, tone: job.tone, sentiment: job.sentiment };
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(bank)) out[name] = fieldValue(f, vars, r);
  return JSON.stringify(out);
}
