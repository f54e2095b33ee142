// The queries weir needs from PostgreSQL: idempotent, version-guarded upserts written by the sinks,
// and the reads used by the API (a conversation, its insights, events since a sequence number for
// WebSocket catch-up). Every statement is scoped by tenant.
import type { Sql } from "postgres";
import { WeirError } from "../engine/errors.ts";
import { logger } from "../engine/log.ts";
import type { ConversationView, InsightRow, InsightStore, UpsertOutcome } from "./insight-store.ts";
import { migrate } from "./migrate.ts";

export type { ConversationView, InsightRow, InsightStore, MessageRow, UpsertOutcome } from "./insight-store.ts";

const log = logger("store");

/** Errors of the connection rather than the statement: the pool may be wedged after them. */
const CONNECTION_ERRORS = /^(CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|CONNECT_TIMEOUT|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|OP_TIMEOUT)$/;

export interface StoreOptions {
  /** Makes a fresh pool; with it the store replaces a pool that lost its connections. */
  reconnect?: () => Sql;
  /** An operation that has not settled by then fails (retriable). Default 30 000 ms. */
  opTimeoutMs?: number;
}

const ms = (d: Date | string) => new Date(d).getTime();

/**
 * The InsightStore on PostgreSQL. Every operation has a deadline, and with `reconnect` a pool that
 * lost its connections is replaced: postgres.js 3.4.9 can strand queued queries for good when
 * connections reset under load (porsager/postgres#1195; reproduced here with a proxy cut for two
 * seconds — the pool never answered again), which would hold the sink's records forever.
 */
export class Store implements InsightStore {
  readonly kind = "postgres";
  private pool: Sql;
  private replacedAt = 0;
  private readonly opTimeoutMs: number;
  constructor(sql: Sql, private readonly opts: StoreOptions = {}) {
    this.pool = sql;
    this.opTimeoutMs = opts.opTimeoutMs ?? 30_000;
  }

  /** The current pool (it changes when a wedged one is replaced). */
  get sql(): Sql {
    return this.pool;
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${this.opTimeoutMs} ms`), { code: "OP_TIMEOUT" })), this.opTimeoutMs);
      });
      return await Promise.race([fn(), deadline]);
    } catch (e) {
      if (e instanceof WeirError) throw e;
      const code = (e as { code?: string }).code ?? "";
      if (CONNECTION_ERRORS.test(code)) this.replacePool(code);
      // Connection problems may pass; constraint or syntax errors will not.
      const retriable = !/^(22|23|42)/.test(code);
      throw new WeirError("STORE_FAILED", `${what}: ${(e as Error).message}`, { cause: e, retriable });
    } finally {
      clearTimeout(timer);
    }
  }

  /** At most every 5 s: a fresh pool for the next operations; the old one is ended in the background. */
  private replacePool(reason: string) {
    if (!this.opts.reconnect || Date.now() - this.replacedAt < 5_000) return;
    this.replacedAt = Date.now();
    const old = this.pool;
    this.pool = this.opts.reconnect();
    log.warn("postgres pool replaced after a connection failure", { reason });
    void old.end({ timeout: 1 }).catch(() => {});
  }

  /** Applies pending migrations (safe when several processes start at once). */
  async prepare(): Promise<void> {
    await migrate(this.sql);
  }

  /** Records an ingested message (and its conversation); a replay of the same id changes nothing. */
  async upsertMessage(tenant: string, m: { id: string; conversationId: string; text: string; author?: string; channel?: string; timestamp?: number } & Record<string, unknown>): Promise<boolean> {
    return this.guard("upsert message", () =>
      this.sql.begin(async (tx) => {
        const sentAt = new Date(m.timestamp ?? Date.now());
        const ins = await tx`
          INSERT INTO messages (tenant, message_id, conversation_id, author, channel, text, sent_at, payload)
          VALUES (${tenant}, ${m.id}, ${m.conversationId}, ${m.author ?? null}, ${m.channel ?? null}, ${m.text}, ${sentAt}, ${tx.json(m as never)})
          ON CONFLICT (tenant, message_id) DO NOTHING RETURNING 1`;
        if (!ins.length) return false;
        await tx`
          INSERT INTO conversations (tenant, conversation_id, message_count) VALUES (${tenant}, ${m.conversationId}, 1)
          ON CONFLICT (tenant, conversation_id) DO UPDATE SET message_count = conversations.message_count + 1, updated_at = now()`;
        return true;
      }),
    );
  }

  /** One agent's output for a message; a lower version never overwrites a higher one. */
  async upsertAgentResult(tenant: string, messageId: string, agent: string, version: number, output: unknown): Promise<boolean> {
    return this.guard("upsert agent result", async () => {
      const r = await this.sql`
        INSERT INTO agent_results (tenant, message_id, agent, version, output) VALUES (${tenant}, ${messageId}, ${agent}, ${version}, ${this.sql.json(output as never)})
        ON CONFLICT (tenant, message_id, agent) DO UPDATE SET version = excluded.version, output = excluded.output, updated_at = now()
        WHERE agent_results.version < excluded.version RETURNING 1`;
      return r.length > 0;
    });
  }

  /**
   * The aggregated result of a message. Only a strictly higher version replaces the row (and takes
   * a new seq); the same version again (a replay) or a lower one is a no-op.
   */
  async upsertInsight(tenant: string, r: { messageId: string; conversationId: string; version: number; status: string } & Record<string, unknown>): Promise<UpsertOutcome> {
    return this.guard("upsert insight", async () => {
      const rows = await this.sql<{ seq: string }[]>`
        INSERT INTO insights (tenant, message_id, conversation_id, version, status, result)
        VALUES (${tenant}, ${r.messageId}, ${r.conversationId}, ${r.version}, ${r.status}, ${this.sql.json(r as never)})
        ON CONFLICT (tenant, message_id) DO UPDATE
          SET version = excluded.version, status = excluded.status, result = excluded.result, seq = nextval('weir_event_seq'), updated_at = now()
          WHERE insights.version < excluded.version
        RETURNING seq`;
      if (rows.length) return { applied: true, seq: Number(rows[0].seq) };
      const cur = await this.sql<{ seq: string; version: number }[]>`SELECT seq, version FROM insights WHERE tenant = ${tenant} AND message_id = ${r.messageId}`;
      return { applied: false, seq: Number(cur[0]?.seq ?? 0), version: cur[0]?.version };
    });
  }

  /** The conversation rollup; versions rise with every folded result. */
  async upsertRollup(tenant: string, conversationId: string, version: number, rollup: Record<string, unknown>): Promise<boolean> {
    return this.guard("upsert rollup", async () => {
      const r = await this.sql`
        INSERT INTO rollups (tenant, conversation_id, version, rollup) VALUES (${tenant}, ${conversationId}, ${version}, ${this.sql.json(rollup as never)})
        ON CONFLICT (tenant, conversation_id) DO UPDATE SET version = excluded.version, rollup = excluded.rollup, updated_at = now()
        WHERE rollups.version < excluded.version RETURNING 1`;
      return r.length > 0;
    });
  }

  /** A conversation with its latest messages and rollup, or null when this tenant has none by that id. */
  async conversation(tenant: string, conversationId: string, limit = 100): Promise<ConversationView | null> {
    return this.guard("read conversation", async () => {
      const [c] = await this.sql<{ message_count: number; created_at: Date; updated_at: Date }[]>`
        SELECT message_count, created_at, updated_at FROM conversations WHERE tenant = ${tenant} AND conversation_id = ${conversationId}`;
      const [ru] = await this.sql<{ rollup: Record<string, unknown> }[]>`SELECT rollup FROM rollups WHERE tenant = ${tenant} AND conversation_id = ${conversationId}`;
      if (!c && !ru) return null;
      const msgs = await this.sql<{ message_id: string; author: string | null; channel: string | null; text: string; sent_at: Date }[]>`
        SELECT message_id, author, channel, text, sent_at FROM messages WHERE tenant = ${tenant} AND conversation_id = ${conversationId}
        ORDER BY sent_at DESC, message_id DESC LIMIT ${limit}`;
      return {
        conversationId,
        messageCount: c?.message_count ?? 0,
        createdAt: c ? ms(c.created_at) : 0,
        updatedAt: c ? ms(c.updated_at) : 0,
        rollup: ru?.rollup ?? null,
        messages: msgs.reverse().map((m) => ({ messageId: m.message_id, conversationId, author: m.author, channel: m.channel, text: m.text, sentAt: ms(m.sent_at) })),
      };
    });
  }

  /** Latest insight per message of a conversation, oldest first. */
  async insights(tenant: string, conversationId: string, limit = 500): Promise<InsightRow[]> {
    return this.guard("read insights", async () => {
      const rows = await this.sql<{ message_id: string; conversation_id: string; version: number; status: string; result: Record<string, unknown>; seq: string }[]>`
        SELECT message_id, conversation_id, version, status, result, seq FROM insights
        WHERE tenant = ${tenant} AND conversation_id = ${conversationId} ORDER BY seq LIMIT ${limit}`;
      return rows.map(toInsight);
    });
  }

  /** Insights changed after `since` (tenant-wide, or one conversation), for WebSocket catch-up. */
  async insightsSince(tenant: string, since: number, conversationId?: string, limit = 1000): Promise<InsightRow[]> {
    return this.guard("read insights since", async () => {
      const rows = conversationId
        ? await this.sql`SELECT message_id, conversation_id, version, status, result, seq FROM insights
            WHERE tenant = ${tenant} AND conversation_id = ${conversationId} AND seq > ${since} ORDER BY seq LIMIT ${limit}`
        : await this.sql`SELECT message_id, conversation_id, version, status, result, seq FROM insights
            WHERE tenant = ${tenant} AND seq > ${since} ORDER BY seq LIMIT ${limit}`;
      return (rows as unknown as Parameters<typeof toInsight>[0][]).map(toInsight);
    });
  }

  async recentInsights(tenant: string, limit = 50): Promise<InsightRow[]> {
    return this.guard("read recent insights", async () => {
      const rows = await this.sql`SELECT message_id, conversation_id, version, status, result, seq FROM insights
        WHERE tenant = ${tenant} ORDER BY seq DESC LIMIT ${limit}`;
      return (rows as unknown as Parameters<typeof toInsight>[0][]).map(toInsight);
    });
  }

  async close(): Promise<void> {
    await this.pool.end({ timeout: 5 });
  }

  async ping(): Promise<void> {
    await this.guard("ping", () => this.sql`SELECT 1`);
  }
}

function toInsight(r: { message_id: string; conversation_id: string; version: number; status: string; result: Record<string, unknown>; seq: string }): InsightRow {
  return { messageId: r.message_id, conversationId: r.conversation_id, version: r.version, status: r.status, result: r.result, seq: Number(r.seq) };
}
