// A throwaway PostgreSQL schema per test file, so parallel runs never collide; dropped afterwards.
import postgres from "postgres";
import { connect } from "../../../persistence/db.ts";

export async function tempSchema(prefix: string) {
  const schema = `t_${prefix}_${crypto.randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/g, "_");
  const url = process.env.WEIR_TEST_DATABASE_URL!;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const sql = connect({ url, schema, max: 4 });
  return {
    schema,
    sql,
    url,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end({ timeout: 5 });
    },
  };
}
