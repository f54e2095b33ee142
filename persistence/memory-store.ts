// The InsightStore in process memory, for embedded mode (no DATABASE_URL): `weir run` on a laptop
// answers insight queries and WebSocket catch-up the way it does on PostgreSQL, with the same
// version guards. Bounded in bytes as well as counts: in total, per tenant and per row, evicting the
// least recently updated conversations first; a conversation keeps its latest `maxPerConversation`
// messages and insights. Size is measured cheaply, as the JSON length of what is kept.
// Tenants and conversations are nested maps, never a joined string key, so no (tenant, id) pair can
// alias another ("acme\0R" + "x" vs "acme" + "R\0x").
import type { ConversationView, InsightRow, InsightStore, MessageRow, UpsertOutcome } from "./insight-store.ts";

interface ConversationEntry {
  tenant: string;
  conversationId: string;
  messageCount: number;
  createdAt: number;
  updatedAt: number;
  rollup: { version: number; value: Record<string, unknown>; bytes: number } | null;
  /** By message id, in arrival order, with each row's size. */
  messages: Map<string, { row: MessageRow; bytes: number }>;
  /** By message id, in seq order (an update moves its row to the end). */
  insights: Map<string, { row: InsightRow; bytes: number }>;
  /** What this conversation retains, in JSON characters. */
  bytes: number;
}

interface TenantEntry {
  conversations: Map<string, ConversationEntry>;
  bytes: number;
  /** Agent result versions for the version guard, by message id then agent (outputs live in the insight rows). */
  agentVersions: Map<string, Map<string, number>>;
}

export interface MemoryStoreOptions {
  maxConversations?: number;
  maxPerConversation?: number;
  /** All tenants together. Default WEIR_MEMORY_STORE_BYTES or 64 MiB (of JSON: a few times that on the heap). */
  maxBytes?: number;
  /** One tenant. Default WEIR_MEMORY_STORE_TENANT_BYTES or a quarter of maxBytes. */
  maxTenantBytes?: number;
  /** One message, insight or rollup; a larger one is not kept. Default WEIR_MEMORY_STORE_MESSAGE_BYTES or 1 MiB. */
  maxMessageBytes?: number;
  now?: () => number;
}

const MiB = 1024 * 1024;
const clone = <T>(v: T): T => structuredClone(v);
const sizeOf = (v: unknown): number => JSON.stringify(v)?.length ?? 0;
function envBytes(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export class MemoryStore implements InsightStore {
  readonly kind = "memory";
  private readonly tenants = new Map<string, TenantEntry>();
  /** Every conversation of every tenant, least recently updated first (object keys: no string joins). */
  private readonly order = new Set<ConversationEntry>();
  private agentVersionCount = 0;
  private seq = 0;
  private bytes = 0;
  readonly maxConversations: number;
  readonly maxPerConversation: number;
  readonly maxBytes: number;
  readonly maxTenantBytes: number;
  readonly maxMessageBytes: number;
  private readonly now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxConversations = opts.maxConversations ?? 10_000;
    this.maxPerConversation = opts.maxPerConversation ?? 1_000;
    this.maxBytes = opts.maxBytes ?? envBytes("WEIR_MEMORY_STORE_BYTES") ?? 64 * MiB;
    this.maxTenantBytes = opts.maxTenantBytes ?? envBytes("WEIR_MEMORY_STORE_TENANT_BYTES") ?? Math.floor(this.maxBytes / 4);
    this.maxMessageBytes = opts.maxMessageBytes ?? envBytes("WEIR_MEMORY_STORE_MESSAGE_BYTES") ?? MiB;
    this.now = opts.now ?? Date.now;
  }

  async prepare(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  /** Retained size in JSON characters: in total, or for one tenant. */
  retainedBytes(tenant?: string): number {
    return tenant === undefined ? this.bytes : (this.tenants.get(tenant)?.bytes ?? 0);
  }

  private find(tenant: string, conversationId: string): ConversationEntry | undefined {
    return this.tenants.get(tenant)?.conversations.get(conversationId);
  }

  /** The conversation's entry, created on first use and moved to the most recently updated end. */
  private touch(tenant: string, conversationId: string): ConversationEntry {
    let t = this.tenants.get(tenant);
    if (!t) this.tenants.set(tenant, (t = { conversations: new Map(), bytes: 0, agentVersions: new Map() }));
    let c = t.conversations.get(conversationId);
    if (c) this.order.delete(c);
    else {
      c = { tenant, conversationId, messageCount: 0, createdAt: this.now(), updatedAt: this.now(), rollup: null, messages: new Map(), insights: new Map(), bytes: 0 };
      t.conversations.set(conversationId, c);
    }
    this.order.add(c);
    return c;
  }

  private grow(c: ConversationEntry, delta: number) {
    c.bytes += delta;
    this.tenants.get(c.tenant)!.bytes += delta;
    this.bytes += delta;
  }

  private forget(c: ConversationEntry) {
    this.order.delete(c);
    const t = this.tenants.get(c.tenant)!;
    t.conversations.delete(c.conversationId);
    for (const id of c.messages.keys()) {
      this.agentVersionCount -= t.agentVersions.get(id)?.size ?? 0;
      t.agentVersions.delete(id);
    }
    this.grow(c, -c.bytes);
    if (!t.conversations.size) this.tenants.delete(c.tenant);
  }

  /** Evicts least recently updated conversations until every bound holds; `keep` (just written) goes last. */
  private enforce(keep: ConversationEntry) {
    const t = this.tenants.get(keep.tenant)!;
    for (const c of this.order) {
      if (t.bytes <= this.maxTenantBytes) break;
      if (c !== keep && c.tenant === keep.tenant) this.forget(c);
    }
    for (const c of this.order) {
      if (this.order.size <= this.maxConversations && this.bytes <= this.maxBytes) break;
      if (c !== keep) this.forget(c);
    }
    // A single conversation over a bound drops its own oldest rows.
    const over = () => keep.bytes > 0 && (this.bytes > this.maxBytes || t.bytes > this.maxTenantBytes);
    for (const [id, m] of keep.messages) if (over()) (keep.messages.delete(id), this.grow(keep, -m.bytes));
    for (const [id, r] of keep.insights) if (over()) (keep.insights.delete(id), this.grow(keep, -r.bytes));
  }

  /** Keeps `max` newest entries of a row map, giving back their bytes. */
  private trimRows<V extends { bytes: number }>(c: ConversationEntry, m: Map<string, V>) {
    while (m.size > this.maxPerConversation) {
      const [id, v] = m.entries().next().value!;
      m.delete(id);
      this.grow(c, -v.bytes);
    }
  }

  async upsertMessage(tenant: string, m: { id: string; conversationId: string; text: string; author?: string; channel?: string; timestamp?: number }): Promise<boolean> {
    if (this.find(tenant, m.conversationId)?.messages.has(m.id)) return false;
    const c = this.touch(tenant, m.conversationId);
    const row: MessageRow = { messageId: m.id, conversationId: m.conversationId, author: m.author ?? null, channel: m.channel ?? null, text: m.text, sentAt: m.timestamp ?? this.now() };
    const bytes = sizeOf(row);
    // Over the per-row bound the message is counted but not kept.
    if (bytes <= this.maxMessageBytes) {
      c.messages.set(m.id, { row, bytes });
      this.grow(c, bytes);
      this.trimRows(c, c.messages);
    }
    if (!c.messageCount) c.createdAt = this.now();
    c.messageCount++;
    c.updatedAt = this.now();
    this.enforce(c);
    return true;
  }

  async upsertAgentResult(tenant: string, messageId: string, agent: string, version: number, _output: unknown): Promise<boolean> {
    let t = this.tenants.get(tenant);
    if (!t) this.tenants.set(tenant, (t = { conversations: new Map(), bytes: 0, agentVersions: new Map() }));
    let byAgent = t.agentVersions.get(messageId);
    const cur = byAgent?.get(agent);
    if (cur !== undefined && cur >= version) return false;
    if (!byAgent) t.agentVersions.set(messageId, (byAgent = new Map()));
    if (cur === undefined) this.agentVersionCount++;
    byAgent.set(agent, version);
    // Versions of the oldest messages go first, past maxConversations × 10 entries.
    for (const tt of this.tenants.values()) {
      for (const [id, agents] of tt.agentVersions) {
        if (this.agentVersionCount <= this.maxConversations * 10) break;
        tt.agentVersions.delete(id);
        this.agentVersionCount -= agents.size;
      }
    }
    return true;
  }

  async upsertInsight(tenant: string, r: { messageId: string; conversationId: string; version: number; status: string } & Record<string, unknown>): Promise<UpsertOutcome> {
    const existing = this.find(tenant, r.conversationId)?.insights.get(r.messageId)?.row;
    if (existing && existing.version >= r.version) return { applied: false, seq: existing.seq, version: existing.version };
    const c = this.touch(tenant, r.conversationId);
    const old = c.insights.get(r.messageId);
    if (old) (c.insights.delete(r.messageId), this.grow(c, -old.bytes));
    const row: InsightRow = { messageId: r.messageId, conversationId: r.conversationId, version: r.version, status: r.status, result: clone(r), seq: ++this.seq };
    const bytes = sizeOf(row);
    // Over the per-row bound the insight still gets its seq (live events go out) but is not kept.
    if (bytes <= this.maxMessageBytes) {
      c.insights.set(r.messageId, { row, bytes });
      this.grow(c, bytes);
      this.trimRows(c, c.insights);
    }
    this.enforce(c);
    return { applied: true, seq: row.seq };
  }

  async upsertRollup(tenant: string, conversationId: string, version: number, rollup: Record<string, unknown>): Promise<boolean> {
    const existing = this.find(tenant, conversationId)?.rollup;
    if (existing && existing.version >= version) return false;
    const c = this.touch(tenant, conversationId);
    const value = clone(rollup);
    const bytes = sizeOf(value);
    if (c.rollup) this.grow(c, -c.rollup.bytes);
    c.rollup = bytes <= this.maxMessageBytes ? { version, value, bytes } : null;
    if (c.rollup) this.grow(c, bytes);
    this.enforce(c);
    return true;
  }

  async conversation(tenant: string, conversationId: string, limit = 100): Promise<ConversationView | null> {
    const c = this.find(tenant, conversationId);
    if (!c || (!c.messageCount && !c.rollup)) return null;
    const msgs = [...c.messages.values()].map((m) => m.row).sort((a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : 1)).slice(-limit);
    return { conversationId, messageCount: c.messageCount, createdAt: c.createdAt, updatedAt: c.updatedAt, rollup: c.rollup ? clone(c.rollup.value) : null, messages: msgs.map(clone) };
  }

  async insights(tenant: string, conversationId: string, limit = 500): Promise<InsightRow[]> {
    const c = this.find(tenant, conversationId);
    return c ? [...c.insights.values()].slice(0, limit).map((r) => clone(r.row)) : [];
  }

  async insightsSince(tenant: string, since: number, conversationId?: string, limit = 1000): Promise<InsightRow[]> {
    const out: InsightRow[] = [];
    const t = this.tenants.get(tenant);
    const convs = conversationId ? [t?.conversations.get(conversationId)] : [...(t?.conversations.values() ?? [])];
    for (const c of convs) for (const { row } of c?.insights.values() ?? []) if (row.seq > since) out.push(row);
    return out.sort((a, b) => a.seq - b.seq).slice(0, limit).map(clone);
  }

  async recentInsights(tenant: string, limit = 50): Promise<InsightRow[]> {
    const out: InsightRow[] = [];
    for (const c of this.tenants.get(tenant)?.conversations.values() ?? []) for (const { row } of c.insights.values()) out.push(row);
    return out.sort((a, b) => b.seq - a.seq).slice(0, limit).map(clone);
  }
}
