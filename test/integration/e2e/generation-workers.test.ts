// The generation job on the real broker and PostgreSQL, with the worker killed (-9) mid-job and
// started again: the job resumes from its last committed batch and finishes with exactly `count`
// samples — none lost, none twice, indexes 0..count-1 — and its accounting stays exact: every
// candidate counted once (accepted + rejected = generated), rows and counters agree.
import { afterAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { JobsClient, generationWorker, privateTopology } from "../../helpers/generation.ts";
import { waitFor } from "../../helpers/wait.ts";

const tag = `gen-e2e-${crypto.randomUUID().slice(0, 8)}`;
const schema = tag.replace(/-/g, "_");
const serverUrl = process.env.WEIR_TEST_DATABASE_URL!;
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const dbUrl = (() => {
  const u = new URL(serverUrl);
  u.searchParams.set("search_path", schema); // postgres.js passes it on as a connection parameter
  return u.toString();
})();
const worker = generationWorker(tag, privateTopology(tag), { KAFKA_BROKERS: process.env.WEIR_TEST_KAFKA, DATABASE_URL: dbUrl });
const api = new JobsClient(() => worker.url());

afterAll(async () => {
  if (worker.proc.alive) await worker.proc.term().catch(() => worker.proc.kill9());
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}, 120_000);

describe("generation on Kafka + PostgreSQL (weir run topology/generation.yaml)", () => {
  test("200 samples; the worker is killed -9 mid-job and restarted; the job finishes exactly", async () => {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    await worker.proc.start();
    // One candidate per batch: the job takes a few hundred transactions, so the kill lands mid-job.
    const id = await api.create({ template: "product-reviews", templateVersion: 1, variables: { product: "mobile banking app" }, count: 200, batchSize: 1 });
    const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
    try {
      const rows = async () => (await sql`SELECT count(*)::int AS n FROM generation_samples WHERE job_id = ${id}`)[0].n as number;
      await waitFor(async () => (await rows()) >= 40, "40 samples before the kill", 120_000, 50);
      await worker.proc.kill9();
      const atKill = await api.job(id, 0, 1).catch(() => undefined); // the API died with the worker
      expect(atKill).toBeUndefined();
      const before = (await sql`SELECT progress FROM generation_jobs WHERE id = ${id}`)[0].progress;
      expect(before.done).toBeLessThan(200);
      await worker.proc.start();
      const job = await api.until(id, ["succeeded", "failed", "cancelled"], 180_000);
      expect(job.status).toBe("succeeded");
      expect(job.progress.done).toBe(200);
      expect(job.progress.attempts).toBe(job.progress.done + job.progress.rejectedValidation + job.progress.rejectedQuality);
      const samples = await api.samples(id);
      expect(samples.map((s) => s.index)).toEqual([...Array(200).keys()]);
      expect(new Set(samples.map((s) => s.text)).size).toBe(200);
      // The rows beside the counters: one sample row per index, one reject row per rejected candidate.
      const [{ n, distinct }] = await sql`SELECT count(*)::int AS n, count(DISTINCT text)::int AS distinct FROM generation_samples WHERE job_id = ${id} AND variant = ''`;
      expect({ n, distinct }).toEqual({ n: 200, distinct: 200 });
      const [{ r }] = await sql`SELECT count(*)::int AS r FROM generation_rejects WHERE job_id = ${id}`;
      expect(r).toBe(job.progress.rejectedValidation + job.progress.rejectedQuality);
      console.log(JSON.stringify({ test: "generation kill -9", atKill: before, final: job.progress, log: worker.logFile }));
    } finally {
      await sql.end();
    }
  }, 400_000);
});
