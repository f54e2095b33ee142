// What a WebSocket subscriber receives. The engine's WebSocket sink builds these events and the API
// serves them (live, and as catch-up from the store), so the schema lives here, below both; the API
// also documents it from this one TypeBox schema.
import { Type, type Static } from "@sinclair/typebox";

/** Clients keep the highest `seq` seen and reconnect with `?since=`. */
export const StreamEvent = Type.Object({
  type: Type.Union([Type.Literal("insight"), Type.Literal("rollup"), Type.Literal("hello")]),
  seq: Type.Integer(),
  tenant: Type.String(),
  conversationId: Type.String(),
  data: Type.Unknown(),
});
export type StreamEvent = Static<typeof StreamEvent>;
