// The generator agent on its own: batches until the count, replays skipped, cancel, ceilings, and
// the LLM path (re-ask on a broken answer, every call's usage counted, a tenant budget stopping the job).
import { describe, expect, test } from "bun:test";
import { generator } from "../../../../agents/generation/generator.ts";
import { resolveJob, type GenerationTask, type JobRequest } from "../../../../agents/generation/job-request.ts";
import type { GeneratorState } from "../../../../agents/generation/job-state.ts";
import { templates } from "../../../../agents/generation/templates.ts";
import { systemClock } from "../../../../engine/clock.ts";
import type { LlmClient, LlmRequest } from "../../../../engine/contracts/llm.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { logger } from "../../../../engine/log.ts";

type Out = { output: any; state: GeneratorState; record: GenerationTask };
const log = logger("test");

async function call(task: GenerationTask, state: GeneratorState, llm?: LlmClient, config = {}): Promise<Out> {
  return (await generator.offline(task as never, { key: task.jobId, tenant: task.tenant, state, clock: systemClock, log, llm, attempt: 1, signal: new AbortController().signal } as never, config)) as unknown as Out;
}
function start(body: Partial<JobRequest>): GenerationTask {
  const { job, issues } = resolveJob({ template: "product-reviews", variables: { product: "mobile banking app" }, count: 25, ...body } as JobRequest, templates());
  if (!job) throw new Error(JSON.stringify(issues));
  return { id: "job-1", jobId: "job-1", tenant: "acme", kind: "start", batch: 0, job };
}
/** Feeds each task's successor back until the job ends, as the topology's loop does. */
async function run(first: GenerationTask, llm?: LlmClient) {
  let state = generator.initialState();
  let task = first;
  const outs: any[] = [];
  for (let i = 0; i < 1000 && task.kind !== "done"; i++) {
    const r = await call(task, state, llm);
    outs.push(r.output);
    state = r.state;
    task = r.record;
  }
  return { state, outs };
}

describe("generator agent, local generator", () => {
  test("bounded batches until count; indexes 0..count-1; every candidate counted once", async () => {
    const { state, outs } = await run(start({ count: 25, batchSize: 10 }));
    expect(outs.map((o) => o.samples.length)).toEqual([10, 10, 5]);
    expect(outs.at(-1)).toMatchObject({ status: "succeeded", skipped: false, progress: { done: 25, total: 25 } });
    expect(outs.flatMap((o) => o.samples.map((s: any) => s.index))).toEqual([...Array(25).keys()]);
    expect(state.progress.attempts).toBe(25 + state.progress.rejectedQuality + state.progress.rejectedValidation);
    expect(state.signatures.length).toBe(25);
  });

  test("a replayed task (batch already done) and a start seen twice generate nothing and pass no next task", async () => {
    const first = start({ count: 30, batchSize: 10 });
    const a = await call(first, generator.initialState());
    const b = await call(a.record, a.state); // batch 1
    const replay = await call(a.record, b.state); // batch 1 again
    expect(replay.output).toMatchObject({ skipped: true, samples: [], batch: 1, progress: b.state.progress });
    expect(replay.record.kind).toBe("done");
    expect((await call(first, b.state)).output.skipped).toBe(true);
  });

  test("the same job and attempt give the same sample (a replay after a crash rewrites the same rows)", async () => {
    const x = await call(start({ count: 5 }), generator.initialState());
    const y = await call(start({ count: 5 }), generator.initialState());
    expect(y.output.samples).toEqual(x.output.samples);
  });

  test("cancel stops the job; later tasks are skipped", async () => {
    const a = await call(start({ count: 100, batchSize: 5 }), generator.initialState());
    const c = await call({ ...a.record, kind: "cancel" }, a.state);
    expect(c.output).toMatchObject({ status: "cancelled", reason: "cancelled by request", skipped: true });
    const after = await call(a.record, c.state);
    expect(after.output).toMatchObject({ skipped: true, samples: [], progress: { attempts: 5 } });
  });

  test("a filter that rejects everything ends the job at its attempt ceiling, with the reason counted", async () => {
    const { outs } = await run(start({ count: 3, minLength: 5000, maxLength: 6000 }));
    expect(outs.at(-1)).toMatchObject({ status: "failed", reason: "attempt ceiling reached: 65 candidates for 0/3 samples" });
    expect(outs.at(-1).rejections).toEqual({ "quality: too short (N < N characters)": 65 });
  });

  test("counterfactual augmentation adds labelled variants beside the samples that have gendered words", async () => {
    const { outs } = await run(start({ template: "support-replies", variables: { product: "Acme Pay" }, count: 40, augment: { counterfactual: true } }));
    const all = outs.flatMap((o) => o.samples);
    const variants = all.filter((s: any) => s.variant === "counterfactual");
    expect(all.filter((s: any) => s.variant === "").length).toBe(40);
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v.labels).toMatchObject({ augmentation: "counterfactual" });
  });
});

describe("generator agent, through an LLM client", () => {
  const good = (i: number) => JSON.stringify({ title: `Review number ${i}`, rating: 5, body: `Sample ${i}: I have used the app for ${i} weeks and it has been reliable, the dashboard is clear and support is quick. I would recommend it to my ${["sister", "team", "neighbour", "dad"][i % 4]} and ${i * 7} others.` });
  function client(answer: (req: LlmRequest, n: number) => string | Error) {
    const calls: LlmRequest[] = [];
    const llm: LlmClient = {
      async complete(req) {
        calls.push(req);
        const a = answer(req, calls.length);
        if (a instanceof Error) throw a;
        return { text: a, provider: "openai", model: "gpt-4o-mini", usage: { inputTokens: 100, outputTokens: 50 }, costUsd: 0.001, latencyMs: 1 };
      },
    };
    return { llm, calls };
  }

  test("a broken answer is re-asked with the errors; every call's usage and cost is counted", async () => {
    const { llm, calls } = client((req, n) => (req.prompt.includes("It was invalid") ? good(n) : n % 2 ? "{ not json" : good(n)));
    const { state } = await run(start({ count: 6, batchSize: 3 }), llm);
    expect(state.status).toBe("succeeded");
    expect(state.progress.calls).toBe(calls.length);
    expect(state.progress.inputTokens).toBe(100 * calls.length);
    expect(state.progress.costUsd).toBeCloseTo(0.001 * calls.length, 9);
    expect(calls.some((c) => c.prompt.includes("It was invalid"))).toBe(true);
    expect(calls[0]).toMatchObject({ agent: "generator", tenant: "acme", promptId: "product-reviews@v1", priority: "normal" });
  });

  test("answers still invalid after the re-asks are rejected with the schema's reason", async () => {
    const { llm } = client(() => JSON.stringify({ title: "Hi", body: "short", rating: 9 }));
    const r = await call(start({ count: 2, batchSize: 2, maxReasks: 1 }), generator.initialState(), llm);
    expect(r.output.progress).toMatchObject({ rejectedValidation: 2, calls: 4, done: 0 });
    expect(r.output.rejects[0]).toMatchObject({ stage: "validation" });
    expect(r.output.rejects[0].reason).toContain("/title");
  });

  test("a tenant budget exhausted in the gateway stops the job as failed, saying so", async () => {
    const { llm } = client(() => new WeirError("BUDGET_EXHAUSTED", "tenant acme spent $5.0000 of $5"));
    const r = await call(start({ count: 5 }), generator.initialState(), llm);
    expect(r.output).toMatchObject({ status: "failed", reason: "tenant budget exhausted: tenant acme spent $5.0000 of $5" });
    expect(r.record.kind).toBe("done");
  });

  test('config generator: "local" ignores the client', async () => {
    const { llm, calls } = client((_, n) => good(n));
    const r = await call(start({ count: 3 }), generator.initialState(), llm, { generator: "local" });
    expect(calls.length).toBe(0);
    expect(r.output.samples[0].provider).toBe("local");
  });
});
