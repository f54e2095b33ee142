// A job's cost estimate before it runs (POST /v1/jobs/estimate): the prompt's tokens from the
// rendered template, the answer's from the template's expected size, the calls from the count with
// an allowance for rejections and re-asks, priced per route of the gateway's cost table.
import { DEFAULT_MODELS, costUsd, type ModelInfo } from "../llm/cost-table.ts";
import { estimateTokens } from "../llm/gateway.ts";
import { promptFor } from "./candidate.ts";
import type { ResolvedJob } from "./job-request.ts";
import type { Template } from "./templates.ts";

/** Candidates per accepted sample and calls per candidate we plan for (rejections, re-asks). */
export const REJECTION_ALLOWANCE = 1.25;
export const REASK_ALLOWANCE = 1.1;

export interface RouteEstimate {
  provider: string;
  model: string;
  tier: number;
  configured: boolean;
  costUsd: number;
  /** Whether the job's cost ceiling covers this route's estimate. */
  withinCeiling: boolean;
}

export function estimateJob(t: Template, job: ResolvedJob, configured: string[], models: ModelInfo[] = DEFAULT_MODELS) {
  const perCallIn = estimateTokens(t.system + promptFor(t, job, 0));
  const perCallOut = t.expectedOutputTokens;
  const calls = Math.ceil(job.count * REJECTION_ALLOWANCE * REASK_ALLOWANCE);
  const inputTokens = calls * perCallIn;
  const outputTokens = calls * perCallOut;
  const routes: RouteEstimate[] = [
    { provider: "local", model: "offline", tier: 1, configured: true, costUsd: 0, withinCeiling: true },
    ...models.map((m) => {
      const cost = Math.round(costUsd(m, inputTokens, outputTokens) * 1e6) / 1e6;
      return { provider: m.provider, model: m.model, tier: m.tier, configured: configured.includes(m.provider), costUsd: cost, withinCeiling: job.maxCostUsd === undefined || cost <= job.maxCostUsd };
    }),
  ];
  // What the job would use: the local generator with no provider, else the cheapest configured model of the tier its priority asks for.
  const want = job.priority === "high" ? 3 : job.priority === "low" ? 1 : 1;
  const usable = routes.filter((r) => r.configured && r.provider !== "local");
  const selected = usable.length ? [...usable].sort((a, b) => Math.abs(a.tier - want) - Math.abs(b.tier - want) || a.costUsd - b.costUsd)[0] : routes[0];
  return { template: t.id, templateVersion: t.version, count: job.count, calls, inputTokens, outputTokens, perCall: { inputTokens: perCallIn, outputTokens: perCallOut }, routes, selected: { provider: selected.provider, model: selected.model, costUsd: selected.costUsd } };
}
