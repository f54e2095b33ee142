import { afterAll, beforeAll, expect, test } from "bun:test";
import { PostgresSink } from "../../../../engine/sinks/postgres-sink.ts";
import type { SinkRecord } from "../../../../engine/sinks/sink.ts";
import { Store } from "../../../../persistence/store.ts";
import { tempSchema } from "../../persistence/pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
let sink: PostgresSink;
beforeAll(async () => {
  db = await tempSchema("pgsink");
  sink = new PostgresSink(new Store(db.sql));
  await sink.start();
});
afterAll(async () => db.drop());

const message = { id: "m-1", conversationId: "c-1", tenant: "acme", text: "Card charged twice", timestamp: 1_700_000_000_000 };
const result = (version: number, status: string, outputs: Record<string, unknown>): SinkRecord => ({
  key: "m-1", tenant: "acme", version, kind: "message", headers: {}, timestamp: 1,
  value: { messageId: "m-1", conversationId: "c-1", tenant: "acme", version, status, missing: status === "partial" ? ["summary"] : [], failed: [], outputs, message },
});

test("a replayed batch writes nothing twice, and a late older version never regresses a newer one", async () => {
  const partial = result(1, "partial", { sentiment: { score: -0.7 } });
  const final = result(2, "final", { sentiment: { score: -0.7 }, summary: { summary: "double charge" } });
  const rollup: SinkRecord = { key: "c-1", tenant: "acme", version: 1002, kind: "rollup", headers: {}, timestamp: 1, value: { messages: 1, summary: "double charge" } };
  await sink.write([partial, final, rollup]);
  await sink.write([partial, final, rollup]); // replay after a crash
  await sink.write([partial]); // a straggler
  const count = async (table: string) => Number((await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
  expect([await count("messages"), await count("insights"), await count("agent_results"), await count("rollups")]).toEqual([1, 1, 2, 1]);
  const [row] = await db.sql`SELECT version, status FROM insights WHERE tenant = 'acme' AND message_id = 'm-1'`;
  expect(row).toEqual({ version: 2, status: "final" });
  expect((await new Store(db.sql).conversation("acme", "c-1"))?.rollup).toEqual({ messages: 1, summary: "double charge" });
  expect(await sink.health()).toMatchObject({ name: "postgres", ok: true });
});
