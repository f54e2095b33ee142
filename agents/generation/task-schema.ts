// The record schema of the `generation.tasks` topic (named GenerationTask for topologies).
import { Type } from "@sinclair/typebox";

export const GenerationTaskSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  jobId: Type.String({ minLength: 1 }),
  tenant: Type.String({ minLength: 1 }),
  kind: Type.Union([Type.Literal("start"), Type.Literal("batch"), Type.Literal("cancel"), Type.Literal("done")]),
  batch: Type.Integer({ minimum: 0 }),
  job: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
