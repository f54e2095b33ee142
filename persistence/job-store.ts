// Generation jobs and samples in PostgreSQL (migration 0200_generation.sql). Every write is
// idempotent: samples upsert on (tenant, job, index, variant), rejects on (tenant, job, attempt),
// and a job's progress is replaced only by a batch at least as late — a cancelled job stays cancelled.
import type { Sql } from "postgres";
import { WeirError } from "../engine/errors.ts";
import type { JobBatch, JobRow, JobStore, RejectRow, SampleRow } from "../engine/contracts/job-store.ts";
import { migrate } from "./migrate.ts";

const ms = (d: Date | string) => new Date(d).getTime();
type Row = Record<string, any>;

function jobOf(r: Row): JobRow {
  return { id: r.id, tenant: r.tenant, template: r.template, templateVersion: r.template_version, status: r.status, ...(r.reason ? { reason: r.reason } : {}), request: r.request, progress: r.progress, rejections: r.rejections, batch: r.batch, createdAt: ms(r.created_at), updatedAt: ms(r.updated_at) };
}

export class PgJobStore implements JobStore {
  readonly kind = "postgres";
  constructor(private readonly sql: () => Sql) {}

  private async run<T>(what: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await fn(this.sql());
    } catch (e) {
      if (e instanceof WeirError) throw e;
      const code = String((e as { code?: string }).code ?? "");
      throw new WeirError("STORE_FAILED", `${what}: ${(e as Error).message}`, { cause: e, retriable: !/^(22|23|42)/.test(code) });
    }
  }

  async prepare(): Promise<void> {
    await migrate(this.sql());
  }

  createJob(j: Omit<JobRow, "createdAt" | "updatedAt">): Promise<boolean> {
    return this.run("create job", async (sql) => {
      const rows = await sql`INSERT INTO generation_jobs (tenant, id, template, template_version, status, request, progress, rejections, batch)
        VALUES (${j.tenant}, ${j.id}, ${j.template}, ${j.templateVersion}, ${j.status}, ${sql.json(j.request as never)}, ${sql.json(j.progress as never)}, ${sql.json(j.rejections)}, ${j.batch})
        ON CONFLICT (tenant, id) DO NOTHING RETURNING id`;
      return rows.length > 0;
    });
  }

  job(tenant: string, id: string): Promise<JobRow | undefined> {
    return this.run("read job", async (sql) => {
      const [r] = await sql`SELECT * FROM generation_jobs WHERE tenant = ${tenant} AND id = ${id}`;
      return r ? jobOf(r) : undefined;
    });
  }

  cancel(tenant: string, id: string): Promise<JobRow | undefined> {
    return this.run("cancel job", async (sql) => {
      await sql`UPDATE generation_jobs SET status = 'cancelled', reason = 'cancelled by request', updated_at = now()
        WHERE tenant = ${tenant} AND id = ${id} AND status NOT IN ('succeeded', 'failed', 'cancelled')`;
      return this.job(tenant, id);
    });
  }

  writeBatch(b: JobBatch): Promise<void> {
    return this.run("write batch", (sql) =>
      sql.begin(async (tx) => {
        for (const s of b.samples)
          await tx`INSERT INTO generation_samples (tenant, job_id, idx, variant, id, data, text, template, template_version, labels, provider, model)
            VALUES (${b.tenant}, ${s.jobId}, ${s.index}, ${s.variant}, ${s.id}, ${tx.json(s.data as never)}, ${s.text}, ${s.template}, ${s.templateVersion}, ${tx.json(s.labels as never)}, ${s.provider}, ${s.model})
            ON CONFLICT (tenant, job_id, idx, variant) DO UPDATE SET id = EXCLUDED.id, data = EXCLUDED.data, text = EXCLUDED.text, labels = EXCLUDED.labels, provider = EXCLUDED.provider, model = EXCLUDED.model`;
        for (const r of b.rejects)
          await tx`INSERT INTO generation_rejects (tenant, job_id, attempt, stage, reason, excerpt) VALUES (${b.tenant}, ${r.jobId}, ${r.attempt}, ${r.stage}, ${r.reason}, ${r.excerpt})
            ON CONFLICT (tenant, job_id, attempt) DO UPDATE SET stage = EXCLUDED.stage, reason = EXCLUDED.reason, excerpt = EXCLUDED.excerpt`;
        await tx`UPDATE generation_jobs SET
            status = CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE ${b.status} END,
            reason = CASE WHEN status = 'cancelled' THEN reason ELSE ${b.reason ?? null} END,
            progress = ${tx.json(b.progress as never)}, rejections = ${tx.json(b.rejections)}, batch = ${b.batch}, updated_at = now()
          WHERE tenant = ${b.tenant} AND id = ${b.jobId} AND batch <= ${b.batch}`;
      }),
    );
  }

  samples(tenant: string, jobId: string, offset: number, limit: number): Promise<SampleRow[]> {
    return this.run("read samples", async (sql) => {
      // Only indexes below the job's count of accepted samples: a slot written before a crash and
      // not regenerated after it (a job that then stopped early) is not part of the result.
      const rows = await sql`SELECT s.* FROM generation_samples s JOIN generation_jobs j ON j.tenant = s.tenant AND j.id = s.job_id
        WHERE s.tenant = ${tenant} AND s.job_id = ${jobId} AND s.idx < (j.progress->>'done')::int
        ORDER BY s.idx, s.variant OFFSET ${offset} LIMIT ${limit}`;
      return rows.map((r) => ({ jobId: r.job_id, index: r.idx, variant: r.variant, id: r.id, data: r.data, text: r.text, template: r.template, templateVersion: r.template_version, labels: r.labels, provider: r.provider, model: r.model }));
    });
  }

  rejects(tenant: string, jobId: string, limit: number): Promise<RejectRow[]> {
    return this.run("read rejects", async (sql) => {
      const rows = await sql`SELECT * FROM generation_rejects WHERE tenant = ${tenant} AND job_id = ${jobId} ORDER BY attempt LIMIT ${limit}`;
      return rows.map((r) => ({ jobId: r.job_id, attempt: r.attempt, stage: r.stage, reason: r.reason, excerpt: r.excerpt }));
    });
  }

  async close(): Promise<void> {}
}
