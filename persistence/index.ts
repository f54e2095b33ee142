// Public surface of weir's PostgreSQL persistence.
export { connect, type DbOptions } from "./db.ts";
export { migrate, loadMigrations, MIGRATIONS_DIR, type Migration, type MigrateResult } from "./migrate.ts";
export { Store, type ConversationView, type InsightRow, type MessageRow, type UpsertOutcome } from "./store.ts";
export { PgIdempotencyStore, MemoryIdempotencyStore, type IdempotencyStore, type Claim } from "./idempotency.ts";
