// The record schemas a topology may name in `sources[].schema`. The composition root registers them
// with the engine (engine/schemas/registry.ts), which validates records by name without importing
// agents/.
import type { TSchema } from "@sinclair/typebox";
import { SupportMessage } from "./message.ts";
import { GenerationTaskSchema } from "./generation/task-schema.ts";

export const SOURCE_SCHEMAS: Record<string, TSchema> = { SupportMessage, GenerationTask: GenerationTaskSchema };
