// Versioned SQL migrations: persistence/migrations/NNNN_name.sql applied in order, each once,
// recorded in `weir_migrations`. A transaction-scoped advisory lock serialises concurrent runners
// (several API processes starting together), so each file runs exactly once.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "postgres";
import { WeirError } from "../engine/errors.ts";

export const MIGRATIONS_DIR = join(import.meta.dir, "migrations");
/** Arbitrary constant: the advisory lock key every weir process agrees on. */
const LOCK_KEY = 0x7765_6972;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads NNNN_name.sql files, sorted by version; rejects duplicate versions. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const m = /^(\d{4})_([\w-]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, file), "utf8") });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++)
    if (out[i].version === out[i - 1].version) throw new WeirError("CONFIG_INVALID", `two migrations with version ${out[i].version}`);
  return out;
}

export interface MigrateResult {
  applied: Migration[];
  skipped: number;
}

/**
 * Applies pending migrations in one transaction under an advisory lock.
 * @example
 * const { applied } = await migrate(sql);
 */
export async function migrate(sql: Sql, opts: { dir?: string; onApply?: (m: Migration) => void } = {}): Promise<MigrateResult> {
  const all = loadMigrations(opts.dir);
  try {
    return await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
      await tx`CREATE TABLE IF NOT EXISTS weir_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
      const done = new Set((await tx<{ version: number }[]>`SELECT version FROM weir_migrations`).map((r) => r.version));
      const applied: Migration[] = [];
      for (const m of all) {
        if (done.has(m.version)) continue;
        await tx.unsafe(m.sql);
        await tx`INSERT INTO weir_migrations (version, name) VALUES (${m.version}, ${m.name})`;
        applied.push(m);
        opts.onApply?.(m);
      }
      return { applied, skipped: all.length - applied.length };
    });
  } catch (e) {
    if (e instanceof WeirError) throw e;
    throw new WeirError("STORE_FAILED", `migration failed: ${(e as Error).message}`, { cause: e, retriable: false });
  }
}
