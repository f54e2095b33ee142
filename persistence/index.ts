// Public surface of weir's PostgreSQL persistence.
export { connect, type DbOptions } from "./db.ts";
export { migrate, loadMigrations, MIGRATIONS_DIR, type Migration, type MigrateResult } from "./migrate.ts";
export { Store } from "./store.ts";
export { MemoryStore, type MemoryStoreOptions } from "./memory-store.ts";
export type { ConversationView, InsightRow, InsightStore, MessageRow, UpsertOutcome } from "./insight-store.ts";
export { PgIdempotencyStore, MemoryIdempotencyStore, type IdempotencyStore, type Claim } from "./idempotency.ts";
