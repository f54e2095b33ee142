// Shapes of what the aggregator emits: the per-message result (versioned) and the conversation
// rollup. The API documents them in OpenAPI from these same schemas.
import { Type, type Static } from "@sinclair/typebox";

export const AggregatedResultSchema = Type.Object(
  {
    messageId: Type.String(),
    conversationId: Type.String(),
    tenant: Type.String(),
    version: Type.Integer({ minimum: 1, description: "1 for the first emission; each amendment is higher" }),
    status: Type.Union([Type.Literal("final"), Type.Literal("partial")]),
    missing: Type.Array(Type.String(), { description: "Agents whose output had not arrived (partial results)" }),
    failed: Type.Array(Type.String()),
    outputs: Type.Record(Type.String(), Type.Unknown(), { description: "Agent name → its output" }),
    message: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: "AggregatedResult" },
);
export type AggregatedResultShape = Static<typeof AggregatedResultSchema>;

export const RollupSchema = Type.Object(
  {
    conversationId: Type.String(),
    tenant: Type.String(),
    messages: Type.Integer({ minimum: 0 }),
    sentiment: Type.Object({ score: Type.Number(), label: Type.String(), trend: Type.Array(Type.Number()) }),
    pii: Type.Object({ seen: Type.Boolean(), types: Type.Array(Type.String()) }),
    intents: Type.Record(Type.String(), Type.Integer()),
    urgency: Type.String(),
    summary: Type.String(),
    updatedAt: Type.Number(),
  },
  { $id: "Rollup" },
);
export type RollupShape = Static<typeof RollupSchema>;

export const AlertSchema = Type.Object(
  {
    rule: Type.String(),
    tenant: Type.String(),
    conversationId: Type.String(),
    messageId: Type.String(),
    version: Type.Integer(),
    rollup: Type.Record(Type.String(), Type.Unknown(), { description: "The conversation's rollup as its fold keeps it (RollupSchema for the support fold)" }),
    at: Type.Number(),
  },
  { $id: "Alert" },
);
export type Alert = Static<typeof AlertSchema>;
