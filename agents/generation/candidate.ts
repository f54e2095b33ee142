// One candidate sample: asked of the model through the gateway (or made by the local generator),
// then extracted and checked against the job's schema in several passes — JSON repair, schema check,
// and at most `maxReasks` re-asks that quote the errors. Every call's tokens and cost are counted,
// re-asks included, so a job's accounting is what the provider billed.
import type { TSchema } from "@sinclair/typebox";
import type { LlmClient, Priority } from "../../engine/contracts/llm.ts";
import { toWeirError } from "../../engine/errors.ts";
import { extractJson } from "../json-repair.ts";
import { validate, type OutputIssue } from "../validator.ts";
import type { ResolvedJob } from "./job-request.ts";
import { localSample } from "./local-generator.ts";
import type { Template } from "./templates.ts";

export interface Candidate {
  attempt: number;
  data?: Record<string, unknown>;
  /** Why no valid sample came out (the validation stage's reason). */
  invalid?: string;
  /** A failure that should stop the job (a tenant budget), rather than reject one candidate. */
  fatal?: string;
  raw: string;
  provider: string;
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const estimate = (s: string) => Math.ceil(s.length / 4);
const describe = (issues: OutputIssue[]) => issues.slice(0, 3).map((i) => `${i.path} ${i.message}`).join("; ");

function check(schema: TSchema, text: string): { value?: Record<string, unknown>; issues: OutputIssue[] } {
  try {
    const { value } = extractJson(text);
    const issues = validate(schema, value);
    return issues.length ? { issues } : { value: value as Record<string, unknown>, issues };
  } catch (e) {
    return { issues: [{ path: "/", message: `no JSON found (${(e as Error).message.slice(0, 80)})` }] };
  }
}

/** The user prompt for one candidate: the template rendered with the job's variables and controls. */
export function promptFor(t: Template, job: ResolvedJob, attempt: number): string {
  const base = t.render({ ...job.variables, tone: job.tone, sentiment: job.sentiment, examples: job.examples.length ? job.examples : undefined });
  // The sample number varies the prompt, so a provider's cache or a deterministic model does not repeat itself.
  return `${base.trim()}\n\n(Sample #${attempt + 1}: make it different from typical answers.)`;
}

export function localCandidate(t: Template, job: ResolvedJob, schema: TSchema, jobId: string, attempt: number): Candidate {
  const raw = localSample(t, job, jobId, attempt);
  const { value, issues } = check(schema, raw);
  const prompt = t.system + promptFor(t, job, attempt);
  return { attempt, raw, ...(value ? { data: value } : { invalid: describe(issues) }), provider: "local", model: "offline", calls: 1, inputTokens: estimate(prompt), outputTokens: estimate(raw), costUsd: 0 };
}

export async function llmCandidate(llm: LlmClient, t: Template, job: ResolvedJob, schema: TSchema, c: { tenant: string; attempt: number; signal?: AbortSignal; traceparent?: string }): Promise<Candidate> {
  const user = promptFor(t, job, c.attempt);
  const base = { agent: "generator", tenant: c.tenant, promptId: `${t.id}@v${t.version}`, system: t.system, schema, schemaName: `${t.id.replace(/-/g, "_")}_sample`, priority: job.priority as Priority, temperature: 0.9, signal: c.signal, traceparent: c.traceparent };
  const out: Candidate = { attempt: c.attempt, raw: "", provider: "", model: "", calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  let prompt = user;
  for (let ask = 0; ask <= job.maxReasks; ask++) {
    try {
      const r = await llm.complete({ ...base, prompt });
      out.calls++;
      out.inputTokens += r.usage.inputTokens;
      out.outputTokens += r.usage.outputTokens;
      out.costUsd += r.costUsd;
      out.provider = r.provider;
      out.model = r.model;
      out.raw = r.text;
    } catch (e) {
      const err = toWeirError(e, "LLM_UNAVAILABLE");
      if (err.code === "BUDGET_EXHAUSTED") return { ...out, fatal: `tenant budget exhausted: ${err.message}` };
      return { ...out, invalid: `no answer from the provider (${err.code})` };
    }
    const { value, issues } = check(schema, out.raw);
    if (value) return { ...out, data: value };
    out.invalid = describe(issues);
    prompt = `${user}\n\nYour previous answer was:\n${out.raw.slice(0, 2000)}\nIt was invalid: ${out.invalid}. Answer again with the JSON object only.`;
  }
  return out;
}
