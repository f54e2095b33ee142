// The `jobs` sink: writes what a generation job's batches produce — accepted samples, rejected
// candidates with their reasons, and the job's progress — through a JobStore (PostgreSQL, or memory
// in embedded mode), then tells `onProgress` (the API's /ws/jobs/:id feed). Fed by the generator
// agent: the record carries the agent's output under the agent's node name. Writes are idempotent
// (engine/contracts/job-store.ts), so a replayed batch rewrites the same rows.
import type { JobBatch, JobStore, RejectRow, SampleRow } from "../contracts/job-store.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

export class JobSink implements Sink {
  constructor(
    private readonly store: JobStore,
    /** The node whose output the records carry (the sink's `input`). */
    private readonly node: string,
    readonly name = "jobs",
    private readonly onProgress?: (b: JobBatch) => void,
  ) {}

  async start(): Promise<void> {
    await this.store.prepare();
  }

  async write(records: SinkRecord[]): Promise<void> {
    for (const r of records) {
      const out = r.value[this.node] as (Omit<JobBatch, "samples" | "rejects"> & { samples: unknown[]; rejects: unknown[]; skipped?: boolean }) | undefined;
      if (!out?.jobId) continue;
      const batch: JobBatch = { ...out, samples: out.samples as SampleRow[], rejects: out.rejects as RejectRow[] };
      await this.store.writeBatch(batch);
      this.onProgress?.(batch);
    }
  }

  async health(): Promise<ComponentHealth> {
    return { name: this.name, ok: true };
  }

  async close(): Promise<void> {}
}
