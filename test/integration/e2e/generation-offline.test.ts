// The generation job as a user runs it with no key and no services: `weir run topology/generation.yaml`
// (embedded transport, memory store), driven through its HTTP API. A job of 200 samples reaches
// succeeded with 200 valid, distinct samples recording their template; status shows progress; a
// job can be cancelled and stops spending; the estimate and the templates list answer; `weir jobs
// export` writes the samples as JSON lines; /ws/jobs/:id streams progress.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { templates } from "../../../agents/generation/templates.ts";
import { ROOT, API_KEY, JobsClient, generationWorker } from "../../helpers/generation.ts";
import { waitFor } from "../../helpers/wait.ts";
import { startFakeElasticsearch } from "../../fakes/elasticsearch.ts";

// Elasticsearch cannot run here: a stand-in that speaks its bulk API receives the sample index.
const es = startFakeElasticsearch();
const worker = generationWorker("gen-offline", `${ROOT}/topology/generation.yaml`, { KAFKA_BROKERS: undefined, DATABASE_URL: undefined, ELASTICSEARCH_URL: es.url });
const api = new JobsClient(() => worker.url());

beforeAll(async () => {
  await worker.proc.start();
}, 120_000);
afterAll(async () => {
  await worker.proc.term();
  es.stop();
}, 120_000);

describe("generation job, offline and embedded (weir run topology/generation.yaml)", () => {
  test("200 samples: succeeded, 200 valid and distinct samples, progress and template recorded", async () => {
    const id = await api.create({ template: "product-reviews", templateVersion: 1, variables: { product: "mobile banking app" }, count: 200 });
    const job = await api.until(id, ["succeeded", "failed", "cancelled"]);
    expect(job.status).toBe("succeeded");
    expect(job.progress.done).toBe(200);
    expect(job.progress.total).toBe(200);
    // Every candidate is counted once: accepted + rejected = generated.
    expect(job.progress.attempts).toBe(job.progress.done + job.progress.rejectedValidation + job.progress.rejectedQuality);
    expect(job.progress.inputTokens).toBeGreaterThan(0);
    const samples = await api.samples(id);
    expect(samples.length).toBe(200);
    expect(samples.map((s) => s.index)).toEqual([...Array(200).keys()]);
    expect(new Set(samples.map((s) => s.text)).size).toBe(200);
    const schema = templates().get("product-reviews", 1)!.schema;
    for (const s of samples) {
      expect(Value.Check(schema, s.data)).toBe(true);
      expect([s.template, s.templateVersion]).toEqual(["product-reviews", 1]);
    }
  }, 120_000);

  test("a sentiment target is met by every sample (checked with the sentiment agent), rejections counted by reason", async () => {
    const id = await api.create({ template: "product-reviews", variables: { product: "smart thermostat" }, count: 60, sentiment: "negative", bannedTerms: ["awful"] });
    const job = await api.until(id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    const samples = await api.samples(id);
    expect(samples.length).toBe(60);
    expect(samples.every((s) => !/\bawful\b/i.test(s.text))).toBe(true);
    expect(job.rejections['quality: banned term "awful"']).toBeGreaterThan(0);
    const rej = await api.call("GET", `/v1/jobs/${id}/rejections?limit=1000`);
    expect(rej.body.rejections.length).toBe(job.progress.rejectedQuality + job.progress.rejectedValidation);
  }, 120_000);

  test("cancel: the job stops as cancelled and generates nothing more", async () => {
    const id = await api.create({ template: "faq-entries", variables: { product: "Acme Pay" }, count: 10_000, batchSize: 1 });
    await waitFor(async () => (await api.job(id, 0, 1)).progress.done > 0, "the job to start generating");
    const del = await api.call("DELETE", `/v1/jobs/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id, status: "cancelled", reason: "cancelled by request" });
    const atCancel = (await api.job(id, 0, 1)).progress.attempts;
    // Another job of 20 one-sample batches runs meanwhile: were the cancelled job still going, it
    // would make about as many batches again in that time.
    const other = await api.create({ template: "faq-entries", variables: { product: "Acme Pay" }, count: 20, batchSize: 1 });
    await api.until(other, ["succeeded"]);
    const after = await api.job(id, 0, 1);
    expect(after.status).toBe("cancelled");
    // At most the batch in flight at the cancel and the one queued behind it finish.
    expect(after.progress.attempts).toBeLessThanOrEqual(atCancel + 2);
    expect(after.progress.done).toBeLessThan(10_000);
  }, 120_000);

  test("estimate: tokens and cost per provider route, nothing run; bad bodies name the field", async () => {
    const r = await api.call("POST", "/v1/jobs/estimate", { template: "product-reviews", templateVersion: 1, variables: { product: "mobile banking app" }, count: 20, maxCostUsd: 0.01 });
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(20);
    expect(r.body.inputTokens).toBeGreaterThan(0);
    expect(r.body.selected).toEqual({ provider: "local", model: "offline", costUsd: 0 });
    const mini = r.body.routes.find((x: { model: string }) => x.model === "gpt-4o-mini");
    expect(mini.costUsd).toBeGreaterThan(0);
    expect(mini.configured).toBe(false);
    const bad = await api.call("POST", "/v1/jobs/estimate", { template: "product-reviews", variables: { colour: "red" }, count: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(["/variables/colour", "/variables/product"]);
    const unknown = await api.call("POST", "/v1/jobs", { template: "no-such-template", count: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toBe("/template");
  });

  test("templates list and auth", async () => {
    const r = await api.call("GET", "/v1/templates");
    expect(r.status).toBe(200);
    expect(r.body.templates.map((t: { id: string; version: number }) => `${t.id}@${t.version}`)).toEqual(["faq-entries@1", "product-reviews@1", "support-replies@1"]);
    expect(r.body.templates[1].variables[0]).toEqual({ name: "product", description: "what is reviewed, e.g. mobile banking app", required: true });
    const anon = await fetch(new URL("/v1/templates", worker.url()));
    expect(anon.status).toBe(401);
    expect((await api.call("GET", "/v1/jobs/not-a-job")).status).toBe(404);
  });

  test("/ws/jobs/:id streams progress events, and `weir jobs export` writes the samples as JSON lines", async () => {
    const id = await api.create({ template: "support-replies", variables: { product: "Acme Pay" }, count: 40, batchSize: 2 });
    const events: Array<Record<string, any>> = [];
    const sock = new WebSocket(`${worker.url().replace("http", "ws")}ws/jobs/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } } as never);
    sock.onmessage = (m) => events.push(JSON.parse(String(m.data)));
    await api.until(id, ["succeeded"]);
    const last = await waitFor(() => events.find((e) => e.type === "progress" && e.status === "succeeded"), "the final progress event");
    sock.close();
    expect(last).toMatchObject({ jobId: id, status: "succeeded", progress: { done: 40, total: 40 } });
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.length).toBeGreaterThan(1); // the job ran in 20 batches; the socket opened during the first ones
    expect(progress.map((e) => e.progress.done)).toEqual([...progress.map((e) => e.progress.done)].sort((a, b) => a - b));
    const proc = Bun.spawn(["bun", `${ROOT}/cli/weir.ts`, "jobs", "export", id, "--url", worker.url(), "--key", API_KEY], { stdout: "pipe", stderr: "pipe" });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBe(40);
    expect(lines[0]).toMatchObject({ jobId: id, index: 0, template: "support-replies", templateVersion: 1 });
  }, 120_000);

  test("augmentation adds labelled counterfactual variants; samples are indexed in Elasticsearch", async () => {
    // Every sample mentions the issue, so a gendered issue makes every sample swappable (a variant each).
    const id = await api.create({ template: "support-replies", variables: { product: "Acme Pay", issue: "a charge his wife never made" }, count: 30, augment: { counterfactual: true } });
    const job = await api.until(id, ["succeeded"]);
    const all = await api.samples(id);
    const originals = all.filter((s) => s.variant === "");
    const variants = all.filter((s) => s.variant === "counterfactual");
    expect(originals.length).toBe(30);
    expect(job.progress.done).toBe(30); // variants do not count towards the job's samples
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      const original = originals.find((o) => o.index === v.index)!;
      // The variant's data differs from its original where a gendered word was swapped (any field).
      expect(JSON.stringify(v.data)).not.toBe(JSON.stringify(original.data));
      expect((v as any).labels).toMatchObject({ augmentation: "counterfactual" });
    }
    const docs = await waitFor(() => {
      const mine = [...es.docs.values()].filter((d) => d.jobId === id);
      return mine.length === all.length ? mine : undefined;
    }, "every sample of the job in the index");
    expect(docs.every((d) => d.tenant === "acme" && d.template === "support-replies")).toBe(true);
    expect(es.requests).toContain("PUT /_index_template/weir-samples-template");
  }, 120_000);
});
