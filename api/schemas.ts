// Request and response shapes of the HTTP API: the validators and the OpenAPI document both come
// from these TypeBox schemas.
import { Type, type Static } from "@sinclair/typebox";
import { AggregatedResultSchema, RollupSchema } from "../engine/aggregator/schema.ts";
import { IdString } from "./identifiers.ts";

export const IngestMessage = Type.Object(
  {
    id: Type.Optional(IdString("Message id, unique per tenant; generated when absent")),
    conversationId: Type.Optional(IdString("Generated when absent (a new conversation)")),
    text: Type.String({ minLength: 1, maxLength: 100_000 }),
    author: Type.Optional(Type.Union([Type.Literal("customer"), Type.Literal("agent"), Type.Literal("bot")])),
    channel: Type.Optional(Type.String({ maxLength: 50 })),
    timestamp: Type.Optional(Type.Number({ description: "Milliseconds since the epoch" })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type IngestMessage = Static<typeof IngestMessage>;

export const Accepted = Type.Object({
  messageId: Type.String(),
  conversationId: Type.String(),
  traceId: Type.String({ description: "W3C trace id (32 hex); from traceparent when sent" }),
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
});
export type Accepted = Static<typeof Accepted>;

export const BatchBody = Type.Object({ messages: Type.Array(Type.Unknown(), { minItems: 1 }) }, { additionalProperties: false });

export const WsTicket = Type.Object({
  ticket: Type.String({ description: "Single use: pass as `?ticket=` when opening a WebSocket" }),
  expiresAt: Type.Number({ description: "Milliseconds since the epoch" }),
});

export const BatchItem = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal("accepted"), Type.Literal("rejected")]),
  result: Type.Optional(Accepted),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), issues: Type.Optional(Type.Array(Type.Unknown())) })),
});
export const BatchReport = Type.Object({ accepted: Type.Integer(), rejected: Type.Integer(), items: Type.Array(BatchItem) });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    retriable: Type.Boolean(),
    issues: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String(), expected: Type.Optional(Type.String()) }))),
  }),
});

export const Conversation = Type.Object({
  conversationId: Type.String(),
  messageCount: Type.Integer(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  rollup: Type.Union([RollupSchema, Type.Null()]),
  messages: Type.Array(
    Type.Object({ messageId: Type.String(), conversationId: Type.String(), author: Type.Union([Type.String(), Type.Null()]), channel: Type.Union([Type.String(), Type.Null()]), text: Type.String(), sentAt: Type.Number() }),
  ),
});

export const Insight = Type.Object({
  messageId: Type.String(),
  conversationId: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  seq: Type.Integer({ description: "Sequence number, the same one WebSocket events carry" }),
  result: AggregatedResultSchema,
});
export const InsightList = Type.Object({ conversationId: Type.String(), insights: Type.Array(Insight) });

export const SearchHit = Type.Object({ messageId: Type.String(), conversationId: Type.String(), score: Type.Number(), text: Type.Optional(Type.String()), summary: Type.Optional(Type.String()) });
export type SearchHit = Static<typeof SearchHit>;
export const SearchResult = Type.Object({ query: Type.String(), hits: Type.Array(SearchHit) });

export const SimilarHit = Type.Object({ conversationId: Type.String(), score: Type.Number() });
export type SimilarHit = Static<typeof SimilarHit>;
export const SimilarResult = Type.Object({ conversationId: Type.String(), similar: Type.Array(SimilarHit) });

export const HealthReport = Type.Object({
  ok: Type.Boolean(),
  components: Type.Array(
    Type.Object({
      name: Type.String(),
      ok: Type.Boolean(),
      detail: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())], { description: "Why, in words, or the component's figures as an object" })),
      latencyMs: Type.Optional(Type.Number()),
    }),
  ),
});

// What a WebSocket subscriber receives: the engine's WebSocket sink builds it, so it is defined there.
export { StreamEvent } from "../engine/contracts/stream-event.ts";
