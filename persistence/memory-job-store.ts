// Generation jobs and samples in memory: embedded mode (no DATABASE_URL) and tests. Same rules as
// PostgreSQL (persistence/job-store.ts): idempotent sample writes, progress replaced only by a batch
// at least as late, a cancelled job stays cancelled. Bounded by the jobs it holds (oldest dropped).
import { TERMINAL, type JobBatch, type JobRow, type JobStore, type RejectRow, type SampleRow } from "../engine/contracts/job-store.ts";

interface Held {
  job: JobRow;
  samples: Map<string, SampleRow>;
  rejects: Map<number, RejectRow>;
}

export class MemoryJobStore implements JobStore {
  readonly kind = "memory";
  private readonly jobs = new Map<string, Held>();
  constructor(private readonly maxJobs = 1_000, private readonly now: () => number = Date.now) {}

  private key = (tenant: string, id: string) => JSON.stringify([tenant, id]);

  async prepare(): Promise<void> {}

  async createJob(j: Omit<JobRow, "createdAt" | "updatedAt">): Promise<boolean> {
    const k = this.key(j.tenant, j.id);
    if (this.jobs.has(k)) return false;
    if (this.jobs.size >= this.maxJobs) this.jobs.delete(this.jobs.keys().next().value!);
    this.jobs.set(k, { job: structuredClone({ ...j, createdAt: this.now(), updatedAt: this.now() }), samples: new Map(), rejects: new Map() });
    return true;
  }

  async job(tenant: string, id: string): Promise<JobRow | undefined> {
    const h = this.jobs.get(this.key(tenant, id));
    return h && structuredClone(h.job);
  }

  async cancel(tenant: string, id: string): Promise<JobRow | undefined> {
    const h = this.jobs.get(this.key(tenant, id));
    if (h && !TERMINAL.has(h.job.status)) Object.assign(h.job, { status: "cancelled", reason: "cancelled by request", updatedAt: this.now() });
    return this.job(tenant, id);
  }

  async writeBatch(b: JobBatch): Promise<void> {
    const h = this.jobs.get(this.key(b.tenant, b.jobId));
    if (!h) return;
    for (const s of b.samples) h.samples.set(`${String(s.index).padStart(8, "0")}:${s.variant}`, structuredClone(s));
    for (const r of b.rejects) h.rejects.set(r.attempt, structuredClone(r));
    if (h.job.batch > b.batch) return;
    const cancelled = h.job.status === "cancelled";
    Object.assign(h.job, { status: cancelled ? "cancelled" : b.status, reason: cancelled ? h.job.reason : b.reason, progress: structuredClone(b.progress), rejections: { ...b.rejections }, batch: b.batch, updatedAt: this.now() });
    if (!h.job.reason) delete h.job.reason;
  }

  async samples(tenant: string, jobId: string, offset: number, limit: number): Promise<SampleRow[]> {
    const h = this.jobs.get(this.key(tenant, jobId));
    if (!h) return [];
    const rows = [...h.samples.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s).filter((s) => s.index < h.job.progress.done);
    return structuredClone(rows.slice(offset, offset + limit));
  }

  async rejects(tenant: string, jobId: string, limit: number): Promise<RejectRow[]> {
    const h = this.jobs.get(this.key(tenant, jobId));
    return h ? structuredClone([...h.rejects.values()].sort((a, b) => a.attempt - b.attempt).slice(0, limit)) : [];
  }

  async close(): Promise<void> {}
}
