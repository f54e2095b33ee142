// The InsightStore in process memory, for embedded mode (no DATABASE_URL): `weir run` on a laptop
// answers insight queries and WebSocket catch-up the way it does on PostgreSQL, with the same
// version guards. Bounded: the least recently updated conversations are forgotten past
// `maxConversations`, and a conversation keeps its latest `maxPerConversation` messages and insights.
import type { ConversationView, InsightRow, InsightStore, MessageRow, UpsertOutcome } from "./insight-store.ts";

interface ConversationEntry {
  tenant: string;
  conversationId: string;
  messageCount: number;
  createdAt: number;
  updatedAt: number;
  rollup: { version: number; value: Record<string, unknown> } | null;
  /** By message id, in arrival order. */
  messages: Map<string, MessageRow>;
  /** By message id, in seq order (an update moves its row to the end). */
  insights: Map<string, InsightRow>;
}

export interface MemoryStoreOptions {
  maxConversations?: number;
  maxPerConversation?: number;
  now?: () => number;
}

const convKey = (tenant: string, conversationId: string) => `${tenant}\u0000${conversationId}`;
const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements InsightStore {
  readonly kind = "memory";
  private readonly conversations = new Map<string, ConversationEntry>();
  /**
   * The version of each agent result seen, for the version guard. Their outputs are in the insight
   * rows already (nothing reads them separately), so only the version is kept, for the most recent
   * `maxConversations × 10` results.
   */
  private readonly agentVersions = new Map<string, number>();
  private seq = 0;
  private readonly maxConversations: number;
  private readonly maxPerConversation: number;
  private readonly now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxConversations = opts.maxConversations ?? 10_000;
    this.maxPerConversation = opts.maxPerConversation ?? 1_000;
    this.now = opts.now ?? Date.now;
  }

  async prepare(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  /** The conversation's entry, created on first use and moved to the most recently updated end. */
  private touch(tenant: string, conversationId: string): ConversationEntry {
    const k = convKey(tenant, conversationId);
    let c = this.conversations.get(k);
    if (c) this.conversations.delete(k);
    else c = { tenant, conversationId, messageCount: 0, createdAt: this.now(), updatedAt: this.now(), rollup: null, messages: new Map(), insights: new Map() };
    this.conversations.set(k, c);
    this.trim(this.conversations, this.maxConversations);
    return c;
  }

  /** Drops the oldest entries (Map order) past `max`. */
  private trim<V>(m: Map<string, V>, max: number) {
    while (m.size > max) m.delete(m.keys().next().value!);
  }

  async upsertMessage(tenant: string, m: { id: string; conversationId: string; text: string; author?: string; channel?: string; timestamp?: number }): Promise<boolean> {
    const existing = this.conversations.get(convKey(tenant, m.conversationId));
    if (existing?.messages.has(m.id)) return false;
    const c = this.touch(tenant, m.conversationId);
    c.messages.set(m.id, { messageId: m.id, conversationId: m.conversationId, author: m.author ?? null, channel: m.channel ?? null, text: m.text, sentAt: m.timestamp ?? this.now() });
    this.trim(c.messages, this.maxPerConversation);
    if (!c.messageCount) c.createdAt = this.now();
    c.messageCount++;
    c.updatedAt = this.now();
    return true;
  }

  async upsertAgentResult(tenant: string, messageId: string, agent: string, version: number, _output: unknown): Promise<boolean> {
    const k = `${tenant}\u0000${messageId}\u0000${agent}`;
    const cur = this.agentVersions.get(k);
    if (cur !== undefined && cur >= version) return false;
    this.agentVersions.delete(k);
    this.agentVersions.set(k, version);
    this.trim(this.agentVersions, this.maxConversations * 10);
    return true;
  }

  async upsertInsight(tenant: string, r: { messageId: string; conversationId: string; version: number; status: string } & Record<string, unknown>): Promise<UpsertOutcome> {
    const existing = this.conversations.get(convKey(tenant, r.conversationId))?.insights.get(r.messageId);
    if (existing && existing.version >= r.version) return { applied: false, seq: existing.seq, version: existing.version };
    const c = this.touch(tenant, r.conversationId);
    c.insights.delete(r.messageId);
    const row: InsightRow = { messageId: r.messageId, conversationId: r.conversationId, version: r.version, status: r.status, result: clone(r), seq: ++this.seq };
    c.insights.set(r.messageId, row);
    this.trim(c.insights, this.maxPerConversation);
    return { applied: true, seq: row.seq };
  }

  async upsertRollup(tenant: string, conversationId: string, version: number, rollup: Record<string, unknown>): Promise<boolean> {
    const existing = this.conversations.get(convKey(tenant, conversationId))?.rollup;
    if (existing && existing.version >= version) return false;
    this.touch(tenant, conversationId).rollup = { version, value: clone(rollup) };
    return true;
  }

  async conversation(tenant: string, conversationId: string, limit = 100): Promise<ConversationView | null> {
    const c = this.conversations.get(convKey(tenant, conversationId));
    if (!c || (!c.messageCount && !c.rollup)) return null;
    const msgs = [...c.messages.values()].sort((a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : 1)).slice(-limit);
    return { conversationId, messageCount: c.messageCount, createdAt: c.createdAt, updatedAt: c.updatedAt, rollup: c.rollup ? clone(c.rollup.value) : null, messages: msgs.map(clone) };
  }

  async insights(tenant: string, conversationId: string, limit = 500): Promise<InsightRow[]> {
    const c = this.conversations.get(convKey(tenant, conversationId));
    return c ? [...c.insights.values()].slice(0, limit).map(clone) : [];
  }

  async insightsSince(tenant: string, since: number, conversationId?: string, limit = 1000): Promise<InsightRow[]> {
    const out: InsightRow[] = [];
    if (conversationId) {
      for (const r of this.conversations.get(convKey(tenant, conversationId))?.insights.values() ?? []) if (r.seq > since) out.push(r);
    } else {
      for (const c of this.conversations.values()) if (c.tenant === tenant) for (const r of c.insights.values()) if (r.seq > since) out.push(r);
    }
    return out.sort((a, b) => a.seq - b.seq).slice(0, limit).map(clone);
  }
}
