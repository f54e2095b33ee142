// The InsightStore contract lives in the engine (engine/contracts/insight-store.ts), whose sinks
// write through it; PostgreSQL (store.ts) and memory (memory-store.ts) implement it here.
export type { ConversationView, InsightRow, InsightStore, MessageRow, UpsertOutcome } from "../engine/contracts/insight-store.ts";
