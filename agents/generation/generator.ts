// The generator agent: one actor per generation job (keyed by job id). Each task record asks for the
// job's next bounded batch; the agent generates candidates (through the LLM gateway when one is
// configured, else the local generator), validates them against the job's schema, filters them for
// quality, numbers the accepted ones, and returns the next task as the record it passes on — which
// the topology writes back to the task topic until the job has `count` samples or hits a ceiling.
// Replayed tasks (batch already done) and tasks after the job ended do nothing.
import { TERMINAL, type JobStatus } from "../../engine/contracts/job-store.ts";
import { WeirError } from "../../engine/errors.ts";
import { defineAgent, type AgentContext } from "../agent.ts";
import { counterfactual } from "./augment.ts";
import { llmCandidate, localCandidate, type Candidate } from "./candidate.ts";
import { GenerationTaskSchema } from "./task-schema.ts";
import type { GenerationTask, ResolvedJob } from "./job-request.ts";
import { GeneratorOutput, GeneratorState, MAX_SIGNATURES, countReason, initialState } from "./job-state.ts";
import { toTypeBox } from "./output-schema.ts";
import { checkQuality } from "./quality.ts";
import { templates } from "./templates.ts";

interface Config {
  /** "auto" (default): the gateway when a provider is configured, else the local generator; "local": always local. */
  generator?: "auto" | "local";
}

const next = (t: GenerationTask, kind: GenerationTask["kind"], batch: number) => ({ id: t.jobId, jobId: t.jobId, tenant: t.tenant, kind, batch });

async function step(task: GenerationTask, ctx: AgentContext<GeneratorState>, config: Config) {
  const s: GeneratorState = structuredClone(ctx.state);
  const emit = (skipped: boolean, samples: Array<Record<string, unknown>> = [], rejects: Array<Record<string, unknown>> = []) => ({
    output: { jobId: task.jobId, tenant: task.tenant, batch: s.batch, status: s.status, ...(s.reason ? { reason: s.reason } : {}), skipped, progress: s.progress, rejections: s.rejections, samples, rejects },
    state: s,
    record: s.status === "running" && !skipped ? next(task, "batch", s.batch + 1) : next(task, "done", s.batch),
  });
  if (task.kind === "cancel") {
    if (s.job && !TERMINAL.has(s.status as JobStatus)) Object.assign(s, { status: "cancelled", reason: "cancelled by request" });
    return emit(true);
  }
  if (task.kind === "start" && !s.job) {
    if (!task.job) throw new WeirError("VALIDATION_FAILED", `job ${task.jobId}: start task without a job`);
    Object.assign(s, { job: task.job, status: "running" });
    s.progress.total = task.job.count;
  } else if (task.kind !== "batch" || !s.job || task.batch <= s.batch || TERMINAL.has(s.status as JobStatus)) return emit(true);

  const job = s.job as unknown as ResolvedJob;
  const t = templates().get(job.template, job.templateVersion);
  if (!t) throw new WeirError("CONFIG_INVALID", `template ${job.template} v${job.templateVersion} is not installed on this worker`);
  const schema = toTypeBox(job.output).schema!;
  const p = s.progress;
  s.batch = task.kind === "start" ? 0 : task.batch;
  let n = Math.min(job.batchSize, job.count - p.done, job.maxAttempts - p.attempts);
  // Under a cost ceiling a batch is sized to the room left at the cost per candidate so far (re-asks included).
  if (job.maxCostUsd !== undefined && p.costUsd > 0) n = Math.min(n, Math.floor((job.maxCostUsd - p.costUsd) / (p.costUsd / p.attempts)));
  const llm = config.generator !== "local" ? ctx.llm : undefined;
  const attempts = Array.from({ length: Math.max(0, n) }, (_, i) => p.attempts + i);
  const candidates: Candidate[] = await Promise.all(
    attempts.map((attempt) => (llm ? llmCandidate(llm, t, job, schema, { tenant: task.tenant, attempt, signal: ctx.signal, traceparent: ctx.traceparent }) : localCandidate(t, job, schema, task.jobId, attempt))),
  );
  const samples: Array<Record<string, unknown>> = [];
  const rejects: Array<Record<string, unknown>> = [];
  const reject = (c: Candidate, stage: "validation" | "quality", reason: string) => {
    if (stage === "validation") p.rejectedValidation++;
    else p.rejectedQuality++;
    countReason(s.rejections, stage, reason);
    rejects.push({ jobId: task.jobId, attempt: c.attempt, stage, reason, excerpt: c.raw.slice(0, 200) });
  };
  let fatal: string | undefined;
  for (const c of candidates) {
    p.attempts++;
    p.calls += c.calls;
    p.inputTokens += c.inputTokens;
    p.outputTokens += c.outputTokens;
    p.costUsd += c.costUsd;
    fatal ??= c.fatal;
    if (!c.data) {
      if (!c.fatal) reject(c, "validation", c.invalid ?? "invalid");
      continue;
    }
    const text = String(c.data[t.text] ?? "");
    const verdict = await checkQuality(text, job, s.signatures);
    if (!verdict.ok) {
      reject(c, "quality", verdict.reason!);
      continue;
    }
    const index = p.done++;
    s.signatures = [...s.signatures, verdict.signature].slice(-MAX_SIGNATURES);
    const sample = { jobId: task.jobId, index, variant: "", id: `${task.jobId}-${index}`, data: c.data, text, template: t.id, templateVersion: t.version, labels: { ...(job.sentiment ? { sentiment: job.sentiment } : {}), ...(job.tone ? { tone: job.tone } : {}) }, provider: c.provider, model: c.model };
    samples.push(sample);
    const cf = job.counterfactual ? counterfactual(c.data) : undefined;
    if (cf) samples.push({ ...sample, variant: "counterfactual", id: `${sample.id}-counterfactual`, data: cf.data, text: String(cf.data[t.text] ?? ""), labels: { ...sample.labels, augmentation: "counterfactual", swaps: cf.swaps } });
  }
  if (p.done >= job.count) s.status = "succeeded";
  else if (fatal) Object.assign(s, { status: "failed", reason: fatal });
  else if (job.maxCostUsd !== undefined && (n <= 0 || p.costUsd >= job.maxCostUsd)) Object.assign(s, { status: "failed", reason: `cost ceiling reached: $${p.costUsd.toFixed(6)} spent of $${job.maxCostUsd} with ${p.done}/${job.count} samples` });
  else if (p.attempts >= job.maxAttempts || n <= 0) Object.assign(s, { status: "failed", reason: `attempt ceiling reached: ${p.attempts} candidates for ${p.done}/${job.count} samples` });
  return emit(false, samples, rejects);
}

export const generator = defineAgent({
  name: "generator",
  description: "Generates a job's samples in bounded batches: model or local generator, schema validation with re-asks, quality filter, augmentation.",
  input: GenerationTaskSchema,
  output: GeneratorOutput,
  state: GeneratorState,
  initialState,
  offline: (input, ctx, config: Config) => step(input as GenerationTask, ctx, config),
});
