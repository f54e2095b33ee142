// A generation job's actor state and the batch it emits. The state — the resolved job, status, the
// last batch done, progress and spend, rejection counts, near-duplicate signatures — lives in the
// generator's changelogged store; with exactly-once delivery it moves together with the task
// offsets, which is what makes a killed worker resume without counting or paying a batch twice.
import { Type, type Static } from "@sinclair/typebox";

export const MAX_SIGNATURES = 5_000;
export const MAX_REASONS = 50;

const Progress = Type.Object({
  done: Type.Integer(),
  total: Type.Integer(),
  rejectedValidation: Type.Integer(),
  rejectedQuality: Type.Integer(),
  attempts: Type.Integer(),
  calls: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  costUsd: Type.Number(),
});

export const GeneratorState = Type.Object({
  job: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  /** The last batch processed (-1: none); a task for an earlier or equal batch is a replay and is skipped. */
  batch: Type.Integer(),
  progress: Progress,
  rejections: Type.Record(Type.String(), Type.Integer()),
  signatures: Type.Array(Type.String()),
});
export type GeneratorState = Static<typeof GeneratorState>;

/** What one task produced: the job's progress after it, the samples accepted and the candidates rejected. */
export const GeneratorOutput = Type.Object({
  jobId: Type.String(),
  tenant: Type.String(),
  batch: Type.Integer(),
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  /** True when the task was a replay or came after the job ended: nothing was generated. */
  skipped: Type.Boolean(),
  progress: Progress,
  rejections: Type.Record(Type.String(), Type.Integer()),
  samples: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  rejects: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});
export type GeneratorOutput = Static<typeof GeneratorOutput>;

export const initialState = (): GeneratorState => ({
  status: "queued",
  batch: -1,
  progress: { done: 0, total: 0, rejectedValidation: 0, rejectedQuality: 0, attempts: 0, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
  rejections: {},
  signatures: [],
});

/** Counts one rejection under its reason (numbers stripped, so "too short (31 < 60)" is one reason); bounded. */
export function countReason(rejections: Record<string, number>, stage: string, reason: string) {
  let key = `${stage}: ${reason.replace(/\d+(\.\d+)?/g, "N")}`.slice(0, 160);
  if (!(key in rejections) && Object.keys(rejections).length >= MAX_REASONS) key = `${stage}: other`;
  rejections[key] = (rejections[key] ?? 0) + 1;
}
