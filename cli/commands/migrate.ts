// `weir migrate`: applies pending PostgreSQL migrations (persistence/migrations) under an advisory lock.
import type { Command } from "../command.ts";
import { parse } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { connect } from "../../persistence/db.ts";
import { loadMigrations, migrate } from "../../persistence/migrate.ts";

const command: Command = {
  name: "migrate",
  summary: "apply pending PostgreSQL migrations (safe to run from several processes at once)",
  help: `Usage: weir migrate [--url URL] [--schema NAME] [--list]

Applies persistence/migrations/NNNN_name.sql files not yet recorded in weir_migrations, in
order, in one transaction, under an advisory lock. Running it again applies nothing.

Options:
  --url URL       PostgreSQL URL (default: $DATABASE_URL, else postgres://postgres@127.0.0.1:5432/weir)
  --schema NAME   schema to migrate (search_path), default the server's
  --list          print the known migrations and whether each is applied
Exit codes: 0 ok, 4 database unreachable or a migration failed, 2 usage.`,
  async run(argv) {
    const { values } = parse(argv, { url: { type: "string" }, schema: { type: "string" }, list: { type: "boolean" } });
    const sql = connect({ url: values.url, schema: values.schema, max: 1 });
    try {
      if (values.list) {
        const done = new Set<number>();
        try {
          for (const r of await sql<{ version: number }[]>`SELECT version FROM weir_migrations`) done.add(r.version);
        } catch {
          // No table yet: nothing applied.
        }
        for (const m of loadMigrations()) process.stdout.write(`${done.has(m.version) ? "applied" : "pending"} ${String(m.version).padStart(4, "0")}_${m.name}\n`);
        return EXIT.OK;
      }
      const r = await migrate(sql, { onApply: (m) => process.stdout.write(`applied ${String(m.version).padStart(4, "0")}_${m.name}\n`) });
      process.stdout.write(`ok: ${r.applied.length} applied, ${r.skipped} already applied\n`);
      return EXIT.OK;
    } catch (e) {
      process.stderr.write(`weir migrate: ${(e as Error).message}\n`);
      return EXIT.UNAVAILABLE;
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
};
export default command;
