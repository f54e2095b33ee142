// The generation job against a local OpenAI-format server that sometimes answers with broken JSON,
// 429 or 500: `weir run topology/generation.yaml` with OPENAI_BASE_URL set goes through the LLM
// gateway (retries, Retry-After, re-asks) and still finishes; the tokens and cost it reports are
// exactly what the server billed. A job with a cost ceiling stops there and says why.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ROOT, JobsClient, generationWorker } from "../../helpers/generation.ts";
import { fakeOpenAi } from "../../fakes/openai-generation.ts";

const server = fakeOpenAi({ template: "product-reviews", variables: { product: "mobile banking app" }, broken: 0.12, rateLimited: 0.06, failed: 0.06 });
// Prices per million tokens for the local model, so cost accounting has something to add up.
const PRICE = { input: 2, output: 8 };
const worker = generationWorker("gen-llm", `${ROOT}/topology/generation.yaml`, {
  KAFKA_BROKERS: undefined,
  DATABASE_URL: undefined,
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: undefined,
  WEIR_OPENAI_MODE: "json_object",
  WEIR_LLM_MODELS: JSON.stringify([{ provider: "openai-compatible", model: "local", ...PRICE, tier: 1 }]),
});
const api = new JobsClient(() => worker.url());

beforeAll(() => worker.proc.start(), 120_000);
afterAll(async () => {
  await worker.proc.term();
  server.stop();
}, 120_000);

describe("generation through the gateway against a flaky OpenAI-format server", () => {
  test("the job finishes despite broken JSON, 429 and 500; its accounting equals what the server billed", async () => {
    const id = await api.create({ template: "product-reviews", variables: { product: "mobile banking app" }, count: 60, maxReasks: 1 });
    const job = await api.until(id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    expect(job.progress.done).toBe(60);
    const samples = await api.samples(id);
    expect(samples.length).toBe(60);
    expect(new Set(samples.map((s) => s.text)).size).toBe(60);
    // The server really misbehaved, and weir saw it: some answers needed a re-ask or were rejected.
    expect(server.seen.broken + server.seen.rateLimited + server.seen.failed).toBeGreaterThan(5);
    // Billed calls (200 responses) are the job's calls; tokens and cost match to the token.
    expect(job.progress.calls).toBe(server.seen.ok + server.seen.broken);
    expect(job.progress.inputTokens).toBe(server.seen.inputTokens);
    expect(job.progress.outputTokens).toBe(server.seen.outputTokens);
    expect(job.progress.costUsd).toBeCloseTo((server.seen.inputTokens * PRICE.input + server.seen.outputTokens * PRICE.output) / 1e6, 9);
    expect(job.progress.attempts).toBe(job.progress.done + job.progress.rejectedValidation + job.progress.rejectedQuality);
    if (job.progress.rejectedValidation) expect(Object.keys(job.rejections).some((k) => k.startsWith("validation:"))).toBe(true);
  }, 180_000);

  test("a cost ceiling stops the job as failed, says so, and nothing more is billed", async () => {
    const before = { ...server.seen };
    const ceiling = 0.004; // about a dozen calls at these prices
    const id = await api.create({ template: "product-reviews", variables: { product: "mobile banking app" }, count: 500, maxCostUsd: ceiling, batchSize: 4 });
    const job = await api.until(id, ["succeeded", "failed"]);
    expect(job.status).toBe("failed");
    expect(job.reason).toStartWith("cost ceiling reached");
    expect(job.progress.done).toBeLessThan(500);
    // The last batch is sized to the room left, so the overshoot is at most one call's cost.
    const perCall = job.progress.costUsd / job.progress.calls;
    expect(job.progress.costUsd).toBeLessThanOrEqual(ceiling + 2 * perCall);
    const billed = (server.seen.inputTokens - before.inputTokens) * PRICE.input + (server.seen.outputTokens - before.outputTokens) * PRICE.output;
    expect(job.progress.costUsd).toBeCloseTo(billed / 1e6, 9);
  }, 180_000);
});
