// Idempotency-Key storage. PostgreSQL is the default because several API processes must agree:
// the first request to INSERT the key owns it; others see its stored response (or "in flight").
// A memory implementation serves single-process development runs without a database.
import type { Sql } from "postgres";

export type Claim = { state: "owner" } | { state: "done"; requestHash: string; response: unknown } | { state: "pending"; requestHash: string };

export interface IdempotencyStore {
  /** Claims (tenant, key) for this request, or reports who already has it. */
  claim(tenant: string, key: string, requestHash: string): Promise<Claim>;
  complete(tenant: string, key: string, response: unknown): Promise<void>;
  /** Gives a claim up (the request failed), so a retry with the same key may run. */
  release(tenant: string, key: string): Promise<void>;
}

export class PgIdempotencyStore implements IdempotencyStore {
  /** `source` may be the Store, so the keys follow the pool it replaces after a connection failure. */
  constructor(private readonly source: Sql | { readonly sql: Sql }, private readonly ttlMs = 24 * 3600_000) {}
  private get sql(): Sql {
    return typeof this.source === "function" ? this.source : this.source.sql;
  }
  async claim(tenant: string, key: string, requestHash: string): Promise<Claim> {
    // Expired keys are reclaimed in the same statement so the table does not grow without bound.
    await this.sql`DELETE FROM idempotency_keys WHERE tenant = ${tenant} AND key = ${key} AND created_at < now() - ${this.ttlMs / 1000} * interval '1 second'`;
    const ins = await this.sql`INSERT INTO idempotency_keys (tenant, key, request_hash) VALUES (${tenant}, ${key}, ${requestHash}) ON CONFLICT DO NOTHING RETURNING 1`;
    if (ins.length) return { state: "owner" };
    const [row] = await this.sql<{ request_hash: string; response: unknown }[]>`SELECT request_hash, response FROM idempotency_keys WHERE tenant = ${tenant} AND key = ${key}`;
    if (!row) return this.claim(tenant, key, requestHash);
    return row.response === null ? { state: "pending", requestHash: row.request_hash } : { state: "done", requestHash: row.request_hash, response: row.response };
  }
  async complete(tenant: string, key: string, response: unknown) {
    await this.sql`UPDATE idempotency_keys SET response = ${this.sql.json(response as never)} WHERE tenant = ${tenant} AND key = ${key}`;
  }
  async release(tenant: string, key: string) {
    await this.sql`DELETE FROM idempotency_keys WHERE tenant = ${tenant} AND key = ${key} AND response IS NULL`;
  }
}

/** Bounded, TTL'd, single-process. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly map = new Map<string, { hash: string; response: unknown; at: number }>();
  constructor(private readonly now: () => number = Date.now, private readonly ttlMs = 24 * 3600_000, private readonly max = 100_000) {}
  async claim(tenant: string, key: string, requestHash: string): Promise<Claim> {
    const k = `${tenant}\u0000${key}`;
    const e = this.map.get(k);
    if (e && this.now() - e.at < this.ttlMs) return e.response === undefined ? { state: "pending", requestHash: e.hash } : { state: "done", requestHash: e.hash, response: e.response };
    this.map.delete(k);
    this.map.set(k, { hash: requestHash, response: undefined, at: this.now() });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return { state: "owner" };
  }
  async complete(tenant: string, key: string, response: unknown) {
    const e = this.map.get(`${tenant}\u0000${key}`);
    if (e) e.response = response;
  }
  async release(tenant: string, key: string) {
    const k = `${tenant}\u0000${key}`;
    if (this.map.get(k)?.response === undefined) this.map.delete(k);
  }
}
