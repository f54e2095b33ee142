// The support message every agent receives. One TypeBox schema: the type, the validator, the API body.
// Ids and the tenant are passed on unscanned by the pii agent (they key state, partitions, rows and
// URLs), so they must never carry personal data: their shape is restricted here, and the API
// imports the same patterns. An email address or a phone number cannot be an id.
import { Type, type Static } from "@sinclair/typebox";

import { ID_PATTERN, TENANT_PATTERN } from "../engine/contracts/identifiers.ts";

export { ID_PATTERN, TENANT_PATTERN } from "../engine/contracts/identifiers.ts";

export const SupportMessage = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN, description: "Message id, unique per tenant; never personal data" }),
    conversationId: Type.String({ pattern: ID_PATTERN, description: "Never personal data" }),
    tenant: Type.String({ pattern: TENANT_PATTERN, default: "default" }),
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
