// The gateway: routing by priority and size, fallback along the chain, Retry-After, the circuit
// breaker, token buckets and per-tenant budgets — against scripted providers and a ManualClock.
import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { LlmGateway } from "../../../../agents/llm/gateway.ts";
import type { Provider } from "../../../../agents/llm/provider.ts";
import type { ModelInfo } from "../../../../agents/llm/cost-table.ts";
import { CircuitBreaker } from "../../../../agents/llm/circuit-breaker.ts";
import { TokenBucket } from "../../../../agents/llm/token-bucket.ts";
import { MemoryUsageStore } from "../../../../agents/llm/usage-store.ts";
import type { LlmRequest } from "../../../../agents/llm/types.ts";
import { ManualClock } from "../../../../engine/clock.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { metrics } from "../../../../engine/observability/metrics.ts";

const req = (over: Partial<LlmRequest> = {}): LlmRequest => ({ agent: "summary", tenant: "acme", promptId: "summary@v1", system: "s", prompt: "short", schema: Type.Object({}), schemaName: "x", ...over });
const MODELS: ModelInfo[] = [
  { provider: "a", model: "a-small", input: 0.1, output: 0.1, tier: 1 },
  { provider: "a", model: "a-large", input: 5, output: 5, tier: 3 },
  { provider: "b", model: "b-mid", input: 1, output: 1, tier: 2 },
];
/** A provider that runs a script of outcomes and records the models it was asked for. */
function scripted(name: string, outcomes: Array<"ok" | WeirError>) {
  const calls: string[] = [];
  let i = 0;
  const p: Provider = {
    name,
    async complete(_req, model) {
      calls.push(model);
      const o = outcomes[Math.min(i++, outcomes.length - 1)];
      if (o !== "ok") throw o;
      return { text: "{}", usage: { inputTokens: 1_000_000, outputTokens: 0 } };
    },
  };
  return { p, calls };
}
const fail500 = () => new WeirError("LLM_UNAVAILABLE", "500", { retriable: true });

describe("LLM gateway", () => {
  test("routes by priority and input size, cheapest first within a tier", () => {
    const g = new LlmGateway({ providers: [scripted("a", ["ok"]).p, scripted("b", ["ok"]).p], models: MODELS });
    expect(g.route(req({ priority: "low" }))[0].model).toBe("a-small");
    expect(g.route(req({ priority: "high" }))[0].model).toBe("a-large");
    expect(g.route(req({ prompt: "x".repeat(8000) }))[0].model).toBe("b-mid");
  });

  test("an agent's preferred provider goes first; the others remain as fallbacks", () => {
    const g = new LlmGateway({ providers: [scripted("a", ["ok"]).p, scripted("b", ["ok"]).p], models: MODELS });
    const chain = g.route(req({ priority: "low", provider: "b" }));
    expect(chain[0].provider).toBe("b");
    expect(chain.some((m) => m.provider === "a")).toBe(true);
    expect(chain.findIndex((m) => m.provider === "a")).toBeGreaterThan(chain.findLastIndex((m) => m.provider === "b"));
  });

  test("an agent's model goes first: from the cost table if listed, else on its provider at no recorded cost", async () => {
    const a = scripted("a", ["ok"]);
    const g = new LlmGateway({ providers: [a.p, scripted("b", ["ok"]).p], models: MODELS });
    expect(g.route(req({ priority: "low", model: "a-large" })).map((m) => m.model)).toEqual(["a-large", "a-small", "b-mid"]);
    const custom = g.route(req({ model: "llama-3.1-8b", provider: "b" }));
    expect(custom[0]).toEqual({ provider: "b", model: "llama-3.1-8b", input: 0, output: 0, tier: 2 });
    expect(custom.slice(1).map((m) => m.model).sort()).toEqual(["a-large", "a-small", "b-mid"]);
    const r = await g.complete(req({ model: "a-large" }));
    expect([r.model, a.calls]).toEqual(["a-large", ["a-large"]]);
  });

  test("`openai` in a topology reaches an OpenAI-compatible server when that is the one configured", () => {
    const g = new LlmGateway({ providers: [scripted("openai-compatible", ["ok"]).p, scripted("b", ["ok"]).p], models: [...MODELS, { provider: "openai-compatible", model: "local", input: 0, output: 0, tier: 1 }] });
    expect(g.route(req({ provider: "openai" }))[0]).toMatchObject({ provider: "openai-compatible", model: "local" });
    expect(g.route(req({ provider: "openai", model: "qwen2.5" }))[0]).toEqual({ provider: "openai-compatible", model: "qwen2.5", input: 0, output: 0, tier: 2 });
  });

  test("falls back to the next provider when one keeps failing, and accounts cost", async () => {
    const clock = new ManualClock();
    const a = scripted("a", [fail500()]);
    const b = scripted("b", ["ok"]);
    const usage = new MemoryUsageStore();
    const g = new LlmGateway({ providers: [a.p, b.p], models: MODELS, clock, retries: 1, usage });
    const pending = g.complete(req({ priority: "low" }));
    for (let i = 0; i < 50 && !usage.rows.length; i++) await clock.advance(1000);
    const r = await pending;
    expect(r.provider).toBe("b");
    expect(a.calls.length).toBeGreaterThanOrEqual(2);
    expect(usage.rows).toEqual([expect.objectContaining({ tenant: "acme", agent: "summary", provider: "b", model: "b-mid", costUsd: 1 })]);
  });

  test("a 429's Retry-After is honoured before retrying the same provider", async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const outcomes: Array<"ok" | WeirError> = [new WeirError("LLM_RATE_LIMITED", "429", { retriable: true, details: { retryAfterMs: 2000 } }), "ok"];
    const p: Provider = {
      name: "a",
      async complete() {
        at.push(clock.now());
        const o = outcomes.shift()!;
        if (o !== "ok") throw o;
        return { text: "{}", usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const g = new LlmGateway({ providers: [p], models: MODELS.slice(0, 1), clock });
    let done = false;
    const pending = g.complete(req()).then(() => (done = true));
    for (let i = 0; i < 100 && !done; i++) await clock.advance(100);
    await pending;
    expect(at).toHaveLength(2);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(2000);
  });

  test("non-retriable errors are not retried", async () => {
    const a = scripted("a", [new WeirError("LLM_BAD_OUTPUT", "400", { retriable: false })]);
    const g = new LlmGateway({ providers: [a.p], models: MODELS.slice(0, 1) });
    await expect(g.complete(req())).rejects.toMatchObject({ code: "LLM_BAD_OUTPUT" });
    expect(a.calls).toHaveLength(1);
  });

  test("budgets: downgrade to the cheapest model, defer, or dead-letter", async () => {
    const mk = (policy: "downgrade" | "defer" | "dead-letter") => {
      const usage = new MemoryUsageStore();
      usage.rows.push({ tenant: "acme", agent: "x", provider: "a", model: "a-large", promptId: "p", inputTokens: 0, outputTokens: 0, costUsd: 10, at: 0 });
      const a = scripted("a", ["ok"]);
      return { a, g: new LlmGateway({ providers: [a.p], models: MODELS.slice(0, 2), usage, budgets: { acme: 5 }, budgetPolicy: policy }) };
    };
    const d = mk("downgrade");
    expect((await d.g.complete(req({ priority: "high" }))).model).toBe("a-small");
    await expect(mk("defer").g.complete(req())).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED", retriable: true });
    await expect(mk("dead-letter").g.complete(req())).rejects.toMatchObject({ code: "BUDGET_EXHAUSTED", retriable: false });
  });

  test("LLM metrics carry the agent: tokens, cost, latency and errors", async () => {
    const g = new LlmGateway({ providers: [scripted("a", ["ok"]).p], models: MODELS.slice(0, 1), cassette: null });
    await g.complete(req({ agent: "insights-metrics-test", tenant: "metrics-tenant" }));
    const failing = new LlmGateway({ providers: [scripted("a", [new WeirError("LLM_BAD_OUTPUT", "400")]).p], models: MODELS.slice(0, 1), cassette: null });
    await failing.complete(req({ agent: "insights-metrics-test" })).catch(() => {});
    const text = metrics.render();
    const line = (name: string) => text.split("\n").find((l) => l.startsWith(name) && l.includes('agent="insights-metrics-test"'));
    expect(line("weir_llm_tokens_total{")).toBe('weir_llm_tokens_total{agent="insights-metrics-test",direction="input",model="a-small",provider="a",tenant="metrics-tenant"} 1000000');
    expect(line("weir_llm_cost_usd_total{")).toBeDefined();
    expect(line("weir_llm_latency_seconds_count{")).toContain('agent="insights-metrics-test"');
    expect(line("weir_llm_errors_total{")).toContain('code="LLM_BAD_OUTPUT"');
  });

  test("a usage store that fails neither fails the call nor makes it paid twice", async () => {
    const a = scripted("a", ["ok"]);
    const broken = { record: async () => Promise.reject(new Error("connection refused")), spent: async () => Promise.reject(new Error("connection refused")) };
    const g = new LlmGateway({ providers: [a.p], models: MODELS.slice(0, 1), usage: broken, budgets: { acme: 100 }, cassette: null });
    const r = await g.complete(req());
    expect([r.provider, a.calls]).toEqual(["a", ["a-small"]]);
  });

  test("circuit breaker: opens after repeated failures, half-opens after the cool-down", () => {
    const clock = new ManualClock();
    const br = new CircuitBreaker(clock, 3, 10_000);
    for (let i = 0; i < 3; i++) br.failure();
    expect(br.current()).toBe("open");
    expect(br.allow()).toBe(false);
    clock.advance(10_000);
    expect(br.current()).toBe("half-open");
    expect(br.allow()).toBe(true);
    expect(br.allow()).toBe(false); // one trial at a time
    br.success();
    expect(br.current()).toBe("closed");
  });

  test("token bucket: requests per minute and a Retry-After block", () => {
    const clock = new ManualClock();
    const b = new TokenBucket(60, clock, 2);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    expect(b.waitMs()).toBe(1000);
    clock.advance(1000);
    expect(b.take()).toBe(true);
    b.block(5000);
    expect(b.waitMs()).toBe(5000);
  });
  test("concurrent callers waiting on the request bucket go one token at a time, never all at once when they wake", async () => {
    const clock = new ManualClock();
    const started: number[] = [];
    const p: Provider = { name: "a", async complete() { started.push(clock.now()); return { text: "{}", usage: { inputTokens: 1, outputTokens: 1 } }; } };
    // 600 a minute = one per 100 ms, at most 2 at once.
    const g = new LlmGateway({ providers: [p], models: MODELS.slice(0, 1), clock, limits: { a: { rpm: 600, burst: 2 } } });
    const calls = Array.from({ length: 6 }, () => g.complete(req()));
    await clock.advance(0);
    expect(started.length).toBe(2);
    for (let t = 0; t < 10; t++) await clock.advance(100);
    await Promise.all(calls);
    // After the burst of 2, one call per 100 ms: never two in the same instant.
    expect(started.slice(2).every((t, i, a) => i === 0 || t - a[i - 1] >= 100)).toBe(true);
    expect(started.length).toBe(6);
  });
});
