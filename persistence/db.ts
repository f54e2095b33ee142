// One place that opens PostgreSQL connections, so every process uses the same options
// (pool size, schema via search_path for tests, quiet notices).
import postgres, { type Sql } from "postgres";

export interface DbOptions {
  url?: string;
  /** Schema to use first (tests use a unique one per file). */
  schema?: string;
  max?: number;
}

/** DATABASE_URL (or `url`), default postgres://postgres@127.0.0.1:5432/weir. */
export function connect(opts: DbOptions = {}): Sql {
  const url = opts.url ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/weir";
  return postgres(url, {
    max: opts.max ?? Number(process.env.WEIR_DB_POOL ?? 10),
    onnotice: () => {},
    ...(opts.schema ? { connection: { search_path: opts.schema } } : {}),
  });
}
