// PostgreSQL goes away mid-stream (a TCP proxy in front of the real server is cut, then restored):
// the postgres sink retries, the records it could not write stay uncommitted, and once the database
// is back every message has its final row. Nothing is dropped while the database is unreachable.
// (Without the store replacing its pool, postgres.js left queued queries stranded and no row was
// ever written again.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import { StagedPipeline } from "../../../../engine/runtime/staged-pipeline.ts";
import { PostgresSink } from "../../../../engine/sinks/postgres-sink.ts";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import { AGENTS } from "../../../../agents/index.ts";
import { connect } from "../../../../persistence/db.ts";
import { Store } from "../../../../persistence/store.ts";
import { startTcpProxy } from "../../../fakes/tcp-proxy.ts";
import { sendMessages, supportTopology } from "../../../helpers/stages.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { tempSchema } from "../../persistence/pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
beforeAll(async () => {
  db = await tempSchema("pgoutage");
});
afterAll(async () => db.drop());

test("a database outage delays results but loses none", async () => {
  const target = new URL(db.url);
  const proxy = startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(db.url);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const pool = () => connect({ url: viaProxy.toString(), schema: db.schema, max: 4 });
  const store = new Store(pool(), { reconnect: pool, opTimeoutMs: 3_000 });
  const sink = new PostgresSink(store, "db");
  await sink.start();
  const t = createMemoryTransport();
  const job = new StagedPipeline({ topology: supportTopology("pgo"), transport: t, agents: AGENTS, sinks: { db: sink }, commitIntervalMs: 50 });
  await job.start();
  const finals = async () => Number((await db.sql`SELECT count(*)::int AS n FROM insights WHERE status = 'final'`)[0].n);
  try {
    const producer = t.producer();
    const first = await sendMessages(producer, "pgo", 30, 5, (i) => `Order ${i} arrived damaged, I want a replacement.`);
    await waitFor(async () => (await finals()) >= first.length, "the first results in PostgreSQL", 30_000);

    proxy.cut();
    const more = (await sendMessages(producer, "pgo", 60, 5, (i) => `Order ${i} arrived damaged, I want a replacement.`)).slice(30);
    // The pipeline takes the messages in but cannot write their results: the records that complete
    // a join stay in flight, uncommitted (results of one conversation are written in order, so the
    // rest queue behind the first that is stuck).
    await waitFor(() => job.stats.consumed >= 60 && job.stats.results > 30, "results computed during the outage", 30_000);
    await Bun.sleep(1000);
    expect(await finals()).toBe(30);
    expect(job.inFlight()).toBeGreaterThan(0);

    proxy.restore();
    await waitFor(async () => (await finals()) >= 60, "every result written after the database came back", 60_000);
    const rows = await db.sql<{ message_id: string }[]>`SELECT message_id FROM insights WHERE status = 'final'`;
    expect(rows.map((r) => r.message_id).sort()).toEqual([...first, ...more].sort());
    await waitFor(() => job.inFlight() === 0, "nothing left in flight", 30_000);
  } finally {
    await job.stop();
    await store.close();
    proxy.stop();
  }
}, 120_000);
