// Preloaded by bun test (bunfig.toml). Keeps logs quiet unless asked, and tells the tests where
// the real services are. scripts/test.sh starts the broker before bun test runs.
process.env.NODE_ENV ??= "test";
process.env.WEIR_LOG_LEVEL ??= "warn";
process.env.WEIR_TEST_KAFKA ??= `127.0.0.1:${process.env.WEIR_KAFKA_PORT ?? "9092"}`;
process.env.WEIR_TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";

// The test process's composition root: topologies name source schemas (`schema: SupportMessage`)
// that the engine looks up in its registry, as app/compose.ts registers them for `weir run`.
// (Imported for their exports only: neither module reads the environment set above.)
import { registerBuiltIns } from "../agents/register.ts";
registerBuiltIns();
