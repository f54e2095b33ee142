// The contract between the generation job's sink and whatever keeps jobs and samples: PostgreSQL
// (persistence/job-store.ts) or memory in embedded mode (persistence/memory-job-store.ts). It lives
// in the engine because the sink (engine/sinks/job-sink.ts) writes through it; the API reads
// through it too. Writes are idempotent: a sample is keyed by (job, index, variant) and a job's
// progress is guarded by its batch number, so a replay after a crash never duplicates or regresses.

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

export interface JobProgress {
  /** Accepted samples so far, and the number asked for. */
  done: number;
  total: number;
  rejectedValidation: number;
  rejectedQuality: number;
  /** Candidates generated (accepted + rejected). */
  attempts: number;
  /** Model calls, re-asks included. */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface JobRow {
  id: string;
  tenant: string;
  template: string;
  templateVersion: number;
  status: JobStatus;
  /** Why the job failed or stopped (ceiling reached, cancelled). */
  reason?: string;
  request: Record<string, unknown>;
  progress: JobProgress;
  /** Rejections by reason ("quality: near-duplicate", "validation: /rating must be ...") with counts. */
  rejections: Record<string, number>;
  /** The last batch written: progress is only ever replaced by a later batch. */
  batch: number;
  createdAt: number;
  updatedAt: number;
}

export interface SampleRow {
  jobId: string;
  /** 0-based position among the job's accepted samples. */
  index: number;
  /** "" for a generated sample; the augmentation name (e.g. "counterfactual") for a labelled variant. */
  variant: string;
  id: string;
  data: Record<string, unknown>;
  text: string;
  template: string;
  templateVersion: number;
  labels: Record<string, unknown>;
  provider: string;
  model: string;
}

export interface RejectRow {
  jobId: string;
  /** The candidate's attempt number within the job (unique per job). */
  attempt: number;
  stage: "validation" | "quality";
  reason: string;
  /** The start of the rejected text, for inspection. */
  excerpt: string;
}

/** What one batch of the generator produced: the job's new progress and its samples. */
export interface JobBatch {
  jobId: string;
  tenant: string;
  batch: number;
  status: JobStatus;
  reason?: string;
  progress: JobProgress;
  rejections: Record<string, number>;
  samples: SampleRow[];
  rejects: RejectRow[];
}

export interface JobStore {
  readonly kind: "postgres" | "memory";
  prepare(): Promise<void>;
  /** Creates a queued job; false when the id exists already (the caller's retry). */
  createJob(job: Omit<JobRow, "createdAt" | "updatedAt">): Promise<boolean>;
  job(tenant: string, id: string): Promise<JobRow | undefined>;
  /** Marks a job cancelled unless it has finished; returns the job as it is now. */
  cancel(tenant: string, id: string): Promise<JobRow | undefined>;
  /** Writes a batch idempotently: samples upserted, progress replaced only by a later batch. A cancelled job stays cancelled. */
  writeBatch(b: JobBatch): Promise<void>;
  /** Accepted samples in index order (variants after their sample), `limit` from `offset`. */
  samples(tenant: string, jobId: string, offset: number, limit: number): Promise<SampleRow[]>;
  rejects(tenant: string, jobId: string, limit: number): Promise<RejectRow[]>;
  close(): Promise<void>;
}
