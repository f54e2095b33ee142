// A worker killed with SIGKILL mid-stream: another worker takes over from the committed offsets,
// and every input ends with a final result in PostgreSQL, and the output topic never carries two
// different results for one message under the same weir.version (replays must repeat the same
// result, not a new one). PostgreSQL's primary key (tenant, message_id) makes "one row per message"
// true by construction, so the duplicate check reads the topic, where a disagreement stays visible.
// Sequential takeover through the library Pipeline; test/integration/e2e/workers.test.ts runs live
// `weir run` workers side by side.
import { afterAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { migrate } from "../../../../persistence/migrate.ts";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";
import { message } from "../../../helpers/pipeline.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { tempSchema } from "../../persistence/pg-schema.ts";
import { readTopic, sameVersionConflicts } from "../../../helpers/user-view.ts";

const t = kafka();
afterAll(async () => {
  await t.close();
});

function spawnWorker(args: string[]) {
  const proc = Bun.spawn(["bun", resolve(import.meta.dir, "../../../helpers/worker.ts"), ...args], { stdout: "pipe", stderr: "ignore", env: { ...process.env, WEIR_LOG_LEVEL: "error" } });
  const state = { done: 0 };
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stdout) for (const line of dec.decode(chunk).split("\n")) if (line.startsWith("{")) state.done = JSON.parse(line).done;
  })();
  return { proc, state };
}

describe("crash", () => {
  test("kill -9 of a worker mid-stream: exactly one final result per input, nothing missing", async () => {
    const db = await tempSchema("kill");
    await migrate(db.sql);
    const base = uniqueTopic("kill");
    const args = [base.replace(/\./g, "-"), `${base}.in`, `${base}.out`, `${base}.dlq`, db.schema];
    try {
      const N = 600;
      const a = spawnWorker(args);
      const producer = t.producer();
      await producer.send(Array.from({ length: N }, (_, i) => ({ topic: `${base}.in`, key: `c${i % 12}`, value: JSON.stringify(message(i, `c${i % 12}`)) })));
      await waitFor(() => a.state.done > 50, "worker A to make progress", 60_000);
      a.proc.kill(9);
      await a.proc.exited;
      const doneBeforeKill = a.state.done;
      const b = spawnWorker(args);
      try {
        await waitFor(async () => {
          const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM insights WHERE status = 'final'`;
          return n >= N;
        }, `all ${N} final results in PostgreSQL`, 120_000, 200);
        const rows = await db.sql<{ message_id: string; status: string }[]>`SELECT message_id, status FROM insights`;
        const finals = new Set(rows.filter((r) => r.status === "final").map((r) => r.message_id));
        expect(Array.from({ length: N }, (_, i) => `m-${i}`).filter((id) => !finals.has(id))).toEqual([]);
        expect(rows.length).toBe(N);
        // Every per-message result on the output topic, replays included: one value per (id, version).
        const records = await readTopic(t, `${base}.out`);
        const perMessage = records.filter((r) => r.headers.some(([k, v]) => k === "weir.kind" && new TextDecoder().decode(v) === "message"));
        expect(new Set(perMessage.map((r) => new TextDecoder().decode(r.key!))).size).toBe(N);
        expect(sameVersionConflicts(perMessage).map((c) => `${c.key} v${c.version}: ${c.values.length} values`)).toEqual([]);
        expect(doneBeforeKill).toBeLessThan(N);
      } finally {
        b.proc.kill();
        await b.proc.exited;
      }
      await producer.close();
    } finally {
      await db.drop();
    }
  }, 180_000);
});
