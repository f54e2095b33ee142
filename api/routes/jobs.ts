// The generation jobs API (topology/generation.yaml): create a job, estimate it, read its status and
// results, cancel it, list the templates. Mounted inside the authenticated /v1 scope of api/app.ts,
// so auth, tenancy, rate limits and error shapes are those of the rest of the API. A job is written
// to the job store first, then its start task to the task topic; 202 once the broker acknowledged it.
import { randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import { Type } from "@sinclair/typebox";
import type { JobStore } from "../../engine/contracts/job-store.ts";
import { ValidationError, WeirError } from "../../engine/errors.ts";
import type { Producer } from "../../engine/kafka/types.ts";
import { JobRequest, resolveJob, type GenerationTask, type ResolvedJob } from "../../agents/generation/job-request.ts";
import { estimateJob } from "../../agents/generation/estimate.ts";
import type { TemplateCatalog } from "../../agents/generation/templates.ts";
import { ID_RULE, isId } from "../identifiers.ts";
import { ErrorBody } from "../schemas.ts";
import { validator } from "../validation.ts";

export interface JobsApi {
  store: JobStore;
  templates: TemplateCatalog;
  /** The generator's task topic (generation.tasks). */
  topic: string;
  /** LLM providers configured in this process (the estimate marks their routes usable). */
  providers: string[];
}

const requests = validator(JobRequest);
const JobCreated = Type.Object({ id: Type.String(), status: Type.String() });
const jsonBody = (schema: object, description: string) => ({ required: true, description, content: { "application/json": { schema } } });
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };

function needJobId(id: string): string {
  if (!isId(id)) throw new ValidationError("VALIDATION_FAILED", "request is invalid", [{ path: "/params/id", message: `must be ${ID_RULE}` }]);
  return id;
}

function page(query: Record<string, string | undefined>) {
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  const issues = [];
  if (!Number.isInteger(offset) || offset < 0) issues.push({ path: "/query/offset", message: "must be a non-negative integer" });
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) issues.push({ path: "/query/limit", message: "must be an integer from 1 to 1000" });
  if (issues.length) throw new ValidationError("VALIDATION_FAILED", "request is invalid", issues);
  return { offset, limit };
}

/**
 * The job routes; `principal` comes from the /v1 scope's authentication.
 * @example
 * v1.use(jobRoutes({ jobs, producer, readBody }))
 */
export function jobRoutes(d: { jobs: JobsApi; producer: Producer; readBody: (r: Request) => Promise<unknown> }) {
  const { jobs } = d;
  async function resolved(request: Request): Promise<ResolvedJob> {
    const body = await d.readBody(request);
    if (!requests.check(body)) throw new ValidationError("VALIDATION_FAILED", "job request is invalid", requests.issues(body));
    const { job, issues } = resolveJob(body, jobs.templates);
    if (!job) throw new ValidationError("VALIDATION_FAILED", "job request is invalid", issues);
    return job;
  }
  const task = (tenant: string, jobId: string, kind: GenerationTask["kind"], job?: ResolvedJob): GenerationTask => ({ id: jobId, jobId, tenant, kind, batch: 0, ...(job ? { job } : {}) });
  // Keyed by job id: every task of a job goes to one partition, hence to one actor and its state.
  const produce = (t: GenerationTask) => d.producer.produce({ topic: jobs.topic, key: t.jobId, value: JSON.stringify(t), headers: { "weir.tenant": t.tenant } });

  return new Elysia({ normalize: false })
    .post(
      "/v1/jobs",
      async (ctx) => {
        const tenant = (ctx as unknown as { principal: { tenant: string } }).principal.tenant;
        const job = await resolved(ctx.request);
        const id = randomUUID();
        const progress = { done: 0, total: job.count, rejectedValidation: 0, rejectedQuality: 0, attempts: 0, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
        await jobs.store.createJob({ id, tenant, template: job.template, templateVersion: job.templateVersion, status: "queued", request: job as never, progress, rejections: {}, batch: -1 });
        try {
          await produce(task(tenant, id, "start", job));
        } catch (e) {
          await jobs.store.writeBatch({ jobId: id, tenant, batch: -1, status: "failed", reason: `could not be queued: ${(e as Error).message}`, progress, rejections: {}, samples: [], rejects: [] }).catch(() => {});
          throw e;
        }
        ctx.set.status = 202;
        return { id, status: "queued" };
      },
      {
        parse: "none",
        response: { 202: JobCreated, ...errors },
        detail: { summary: "Start a generation job", description: "202 once the job's first task is acknowledged by Kafka. Poll GET /v1/jobs/:id or open /ws/jobs/:id.", tags: ["jobs"], requestBody: jsonBody(JobRequest, "What to generate") } as never,
      },
    )
    .post(
      "/v1/jobs/estimate",
      async (ctx) => {
        const job = await resolved(ctx.request);
        return estimateJob(jobs.templates.get(job.template, job.templateVersion)!, job, jobs.providers) as never;
      },
      { parse: "none", detail: { summary: "Estimate a job's tokens and cost per route, without running it", tags: ["jobs"], requestBody: jsonBody(JobRequest, "The same body as POST /v1/jobs") } as never },
    )
    .get(
      "/v1/jobs/:id",
      async (ctx) => {
        const tenant = (ctx as unknown as { principal: { tenant: string } }).principal.tenant;
        const id = needJobId(ctx.params.id);
        const job = await jobs.store.job(tenant, id);
        if (!job) throw new WeirError("NOT_FOUND", "job not found");
        const { offset, limit } = page(ctx.query);
        const items = await jobs.store.samples(tenant, id, offset, limit);
        const { request, batch, ...rest } = job;
        return { ...rest, results: { offset, limit, items } } as never;
      },
      { detail: { summary: "A job's status, progress, spend and results (paginated: offset, limit)", tags: ["jobs"] } },
    )
    .get(
      "/v1/jobs/:id/rejections",
      async (ctx) => {
        const tenant = (ctx as unknown as { principal: { tenant: string } }).principal.tenant;
        const id = needJobId(ctx.params.id);
        if (!(await jobs.store.job(tenant, id))) throw new WeirError("NOT_FOUND", "job not found");
        return { jobId: id, rejections: await jobs.store.rejects(tenant, id, page(ctx.query).limit) } as never;
      },
      { detail: { summary: "Rejected candidates with their stage and reason", tags: ["jobs"] } },
    )
    .delete(
      "/v1/jobs/:id",
      async (ctx) => {
        const tenant = (ctx as unknown as { principal: { tenant: string } }).principal.tenant;
        const id = needJobId(ctx.params.id);
        const job = await jobs.store.cancel(tenant, id);
        if (!job) throw new WeirError("NOT_FOUND", "job not found");
        // The generator stops the job at its next task; a batch in flight finishes and is counted.
        await produce(task(tenant, id, "cancel"));
        return { id, status: job.status, ...(job.reason ? { reason: job.reason } : {}) } as never;
      },
      { detail: { summary: "Cancel a job: nothing more is generated or spent; a batch in flight finishes", tags: ["jobs"] } },
    )
    .get(
      "/v1/templates",
      () => ({ templates: jobs.templates.list().map((t) => ({ id: t.id, version: t.version, description: t.description, variables: Object.entries(t.variables).map(([name, v]) => ({ name, description: v.description, required: !!v.required, ...(v.default !== undefined ? { default: v.default } : {}) })) })) }),
      { detail: { summary: "The generation templates, with their versions and variables", tags: ["jobs"] } },
    );
}
