// The support message every agent receives. One TypeBox schema: the type, the validator, the API body.
import { Type, type Static } from "@sinclair/typebox";

export const SupportMessage = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200, description: "Message id, unique per tenant" }),
    conversationId: Type.String({ minLength: 1, maxLength: 200 }),
    tenant: Type.String({ minLength: 1, maxLength: 100, default: "default" }),
    text: Type.String({ maxLength: 100_000 }),
    author: Type.Optional(Type.Union([Type.Literal("customer"), Type.Literal("agent"), Type.Literal("bot")])),
    channel: Type.Optional(Type.String({ maxLength: 50 })),
    /** Milliseconds since the epoch. */
    timestamp: Type.Optional(Type.Number()),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "SupportMessage", additionalProperties: false },
);
export type SupportMessage = Static<typeof SupportMessage>;
