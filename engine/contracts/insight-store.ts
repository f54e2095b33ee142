// What the sinks write and the API reads about messages, their insights and conversation rollups,
// whatever holds them: PostgreSQL (persistence/store.ts) in production, memory
// (persistence/memory-store.ts) in embedded mode. The interface lives in the engine because its
// sinks write through it; the implementations plug in from persistence/. Every write is an
// idempotent upsert guarded by version, so replays after a crash never duplicate or regress a row;
// every read is scoped by tenant.

export interface MessageRow {
  messageId: string;
  conversationId: string;
  author: string | null;
  channel: string | null;
  text: string;
  sentAt: number;
}

export interface InsightRow {
  messageId: string;
  conversationId: string;
  version: number;
  status: string;
  result: Record<string, unknown>;
  seq: number;
}

export interface ConversationView {
  conversationId: string;
  messageCount: number;
  createdAt: number;
  updatedAt: number;
  rollup: Record<string, unknown> | null;
  messages: MessageRow[];
}

export interface UpsertOutcome {
  /** false when a row with the same or a higher version was already there (nothing changed). */
  applied: boolean;
  /** The row's sequence number after the call. */
  seq: number;
  /** The stored version when nothing changed. */
  version?: number;
}

export interface InsightStore {
  /** "postgres" or "memory", for logs and health. */
  readonly kind: string;
  /** Gets the store ready to use (PostgreSQL: applies migrations). */
  prepare(): Promise<void>;
  /** Records an ingested message (and its conversation); a replay of the same id changes nothing. */
  upsertMessage(tenant: string, m: { id: string; conversationId: string; text: string; author?: string; channel?: string; timestamp?: number } & Record<string, unknown>): Promise<boolean>;
  /** One agent's output for a message; a lower version never overwrites a higher one. */
  upsertAgentResult(tenant: string, messageId: string, agent: string, version: number, output: unknown): Promise<boolean>;
  /** The aggregated result of a message: only a strictly higher version replaces it (and takes a new seq). */
  upsertInsight(tenant: string, r: { messageId: string; conversationId: string; version: number; status: string } & Record<string, unknown>): Promise<UpsertOutcome>;
  /** The conversation rollup; versions rise with every folded result. */
  upsertRollup(tenant: string, conversationId: string, version: number, rollup: Record<string, unknown>): Promise<boolean>;
  /** A conversation with its latest messages and rollup, or null when this tenant has none by that id. */
  conversation(tenant: string, conversationId: string, limit?: number): Promise<ConversationView | null>;
  /** Latest insight per message of a conversation, oldest change first. */
  insights(tenant: string, conversationId: string, limit?: number): Promise<InsightRow[]>;
  /** Insights changed after `since` (tenant-wide, or one conversation), for WebSocket catch-up. */
  insightsSince(tenant: string, since: number, conversationId?: string, limit?: number): Promise<InsightRow[]>;
  /** The `limit` most recently changed insights of a tenant, newest first (the dashboard on open). */
  recentInsights?(tenant: string, limit?: number): Promise<InsightRow[]>;
  ping(): Promise<void>;
  /** Releases connections (PostgreSQL: ends the current pool). */
  close(): Promise<void>;
}
