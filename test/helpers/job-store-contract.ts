// The JobStore contract, run against every implementation (memory, PostgreSQL): idempotent sample
// writes, progress replaced only by a batch at least as late, cancelled stays cancelled, samples
// beyond the accepted count hidden, reads scoped by tenant.
import { expect, test } from "bun:test";
import type { JobBatch, JobStore } from "../../engine/contracts/job-store.ts";

const progress = (done: number) => ({ done, total: 3, rejectedValidation: 0, rejectedQuality: 1, attempts: done + 1, calls: done + 1, inputTokens: 10 * done, outputTokens: 5 * done, costUsd: 0 });
const sample = (jobId: string, index: number, text = `text ${index}`) => ({ jobId, index, variant: "", id: `${jobId}-${index}`, data: { body: text }, text, template: "product-reviews", templateVersion: 1, labels: {}, provider: "local", model: "offline" });
const batch = (jobId: string, n: number, done: number, extra: Partial<JobBatch> = {}): JobBatch => ({ jobId, tenant: "acme", batch: n, status: "running", progress: progress(done), rejections: { "quality: near-duplicate of an accepted sample": 1 }, samples: [], rejects: [], ...extra });

export function jobStoreContract(make: () => Promise<JobStore>) {
  const create = (s: JobStore, id: string) => s.createJob({ id, tenant: "acme", template: "product-reviews", templateVersion: 1, status: "queued", request: { count: 3 }, progress: progress(0), rejections: {}, batch: -1 });

  test("create once; read back; other tenants see nothing", async () => {
    const s = await make();
    expect(await create(s, "j1")).toBe(true);
    expect(await create(s, "j1")).toBe(false);
    expect(await s.job("acme", "j1")).toMatchObject({ id: "j1", tenant: "acme", status: "queued", progress: progress(0), batch: -1 });
    expect(await s.job("other", "j1")).toBeUndefined();
  });

  test("batches: samples upserted by index, progress only from a batch at least as late, rejects kept with reasons", async () => {
    const s = await make();
    await create(s, "j2");
    await s.writeBatch(batch("j2", 0, 2, { samples: [sample("j2", 0), sample("j2", 1)], rejects: [{ jobId: "j2", attempt: 2, stage: "quality", reason: "near-duplicate of an accepted sample", excerpt: "text" }] }));
    await s.writeBatch(batch("j2", 0, 2, { samples: [sample("j2", 0), sample("j2", 1)] })); // replay
    await s.writeBatch(batch("j2", 1, 3, { status: "succeeded", samples: [sample("j2", 2)] }));
    await s.writeBatch(batch("j2", 0, 2)); // a late copy of an older batch does not regress
    const j = await s.job("acme", "j2");
    expect(j).toMatchObject({ status: "succeeded", progress: progress(3), batch: 1 });
    expect((await s.samples("acme", "j2", 0, 10)).map((x) => x.index)).toEqual([0, 1, 2]);
    expect((await s.samples("acme", "j2", 1, 1)).map((x) => x.index)).toEqual([1]);
    expect(await s.rejects("acme", "j2", 10)).toEqual([{ jobId: "j2", attempt: 2, stage: "quality", reason: "near-duplicate of an accepted sample", excerpt: "text" }]);
    expect(await s.samples("other", "j2", 0, 10)).toEqual([]);
  });

  test("cancel sticks: later batches update the counts, not the status; a finished job is not cancelled", async () => {
    const s = await make();
    await create(s, "j3");
    expect((await s.cancel("acme", "j3"))?.status).toBe("cancelled");
    await s.writeBatch(batch("j3", 0, 1, { samples: [sample("j3", 0)] }));
    expect(await s.job("acme", "j3")).toMatchObject({ status: "cancelled", reason: "cancelled by request", progress: progress(1) });
    await create(s, "j4");
    await s.writeBatch(batch("j4", 0, 3, { status: "succeeded" }));
    expect((await s.cancel("acme", "j4"))?.status).toBe("succeeded");
    expect(await s.cancel("acme", "nope")).toBeUndefined();
  });

  test("a sample slot beyond the accepted count (written before a crash, never redone) is not a result", async () => {
    const s = await make();
    await create(s, "j5");
    await s.writeBatch(batch("j5", 0, 1, { samples: [sample("j5", 0), sample("j5", 1)] }));
    expect((await s.samples("acme", "j5", 0, 10)).map((x) => x.index)).toEqual([0]);
  });
}
