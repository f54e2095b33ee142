// A topology with `stages` runs as one Pipeline per stage, each its own consumer group, joined by
// the crossing topics of topology/stages.ts. A process runs every stage (the default) or only the
// ones named (`weir run --stage llm`), so a slow LLM stage scales out on its own.
import { WeirError } from "../errors.ts";
import { logger } from "../log.ts";
import { planStages, type StagePlan } from "../../topology/stages.ts";
import { Pipeline, type PipelineOptions } from "./pipeline.ts";

export interface StagedPipelineOptions extends PipelineOptions {
  /** Stages to run here; all when empty or unset. */
  stages?: string[];
}

export class StagedPipeline {
  readonly plans: StagePlan[];
  readonly pipelines: Array<{ stage: string; pipeline: Pipeline }>;
  private readonly log = logger("runtime");

  constructor(opts: StagedPipelineOptions) {
    const all = planStages(opts.topology);
    const unknown = (opts.stages ?? []).filter((s) => !all.some((p) => p.name === s));
    if (unknown.length) throw new WeirError("CONFIG_INVALID", `unknown stage ${unknown.map((s) => `"${s}"`).join(", ")}; the topology has ${all.map((p) => `"${p.name}"`).join(", ")}`);
    this.plans = opts.stages?.length ? all.filter((p) => opts.stages!.includes(p.name)) : all;
    this.pipelines = this.plans.map((p) => ({ stage: p.name, pipeline: new Pipeline({ ...opts, topology: p.topology }) }));
  }

  async start(): Promise<void> {
    for (const [i, { stage, pipeline }] of this.pipelines.entries()) {
      const plan = this.plans[i];
      if (this.plans.length > 1 || plan.inbound.length || plan.outbound.length)
        this.log.info("stage starting", { stage, nodes: nodeNames(plan), in: plan.inbound.map((e) => `${e.topic} (${e.fromStage}.${e.from})`), out: plan.outbound.map((e) => `${e.topic} (→ ${e.toStage})`) });
      await pipeline.start();
    }
  }

  /**
   * Graceful stop of every stage: all stop taking records from their sources but keep reading the
   * crossings between them, until nothing is in flight in any stage and no join waits for an input
   * (bounded by the drain timeout); then each commits, flushes and closes. Stopping one stage first
   * would leave the others' joins waiting out their deadline and publishing partial results.
   */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + drainTimeoutMs;
    for (const { pipeline } of this.pipelines) pipeline.drain();
    const busy = () => this.pipelines.some(({ pipeline }) => pipeline.inFlight() > 0 || pipeline.pendingResults() > 0);
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (busy()) this.log.warn("stopping before every stage drained; a new owner carries on from the changelogs", { inFlight: this.inFlight() });
    await Promise.all(this.pipelines.map(({ pipeline }) => pipeline.stop(Math.max(1_000, deadline - Date.now()))));
  }

  get stats(): Pipeline["stats"] {
    const total = { consumed: 0, done: 0, deadLettered: 0, results: 0, commits: 0 };
    for (const { pipeline } of this.pipelines) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += pipeline.stats[k];
    return total;
  }

  inFlight(): number {
    return this.pipelines.reduce((n, { pipeline }) => n + pipeline.inFlight(), 0);
  }
}

function nodeNames(p: StagePlan): string[] {
  const t = p.topology;
  return [...t.sources.map((s) => s.name), ...(t.operators ?? []).map((o) => o.name), ...(t.agents ?? []).map((a) => a.name), ...(t.aggregator ? [t.aggregator.name] : []), ...t.sinks.map((s) => s.name)];
}
