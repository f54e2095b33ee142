// The LLM gateway every LLM-backed agent calls: picks a model by the agent's priority, the input's
// size and the cost table, falls back along a chain when a provider fails, rate-limits each
// provider (requests and tokens per minute, honouring Retry-After), trips a circuit breaker on
// repeated failures, retries with backoff, and accounts tokens and cost per tenant and agent,
// enforcing a per-tenant budget (downgrade, defer or dead-letter when it runs out). Every provider
// call passes through the cassette (./cassette.ts) when WEIR_LLM_CASSETTE records or replays.
import { systemClock, type Clock } from "../../engine/clock.ts";
import { WeirError, toWeirError } from "../../engine/errors.ts";
import { logger } from "../../engine/log.ts";
import { metrics } from "../../engine/observability/metrics.ts";
import { withSpan } from "../../engine/observability/tracing.ts";
import { backoffMs } from "../../engine/backoff.ts";
import { Cassette, cassetteFromEnv, CassetteMissError } from "./cassette.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { costUsd, DEFAULT_MODELS, type ModelInfo } from "./cost-table.ts";
import type { Provider, ProviderResult } from "./provider.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { LlmClient, LlmRequest, LlmResponse } from "./types.ts";
import type { UsageRecord, UsageStore } from "./usage-store.ts";

const meter = {
  tokens: metrics.counter("weir_llm_tokens_total", "LLM tokens by provider, model, agent, tenant and direction"),
  cost: metrics.counter("weir_llm_cost_usd_total", "LLM cost in USD by provider, model, agent and tenant"),
  errors: metrics.counter("weir_llm_errors_total", "LLM errors by provider, model, agent and code"),
  latency: metrics.histogram("weir_llm_latency_seconds", "LLM call latency by provider, model and agent"),
};

export type BudgetPolicy = "downgrade" | "defer" | "dead-letter";

export interface GatewayOptions {
  providers: Provider[];
  models?: ModelInfo[];
  clock?: Clock;
  /** Requests and tokens per minute per provider. */
  /** Requests and tokens per minute per provider; `burst` caps the requests sent at once (default: rpm). */
  limits?: Record<string, { rpm?: number; tpm?: number; burst?: number }>;
  /** USD per tenant (per process lifetime, or per the store's window). */
  budgets?: Record<string, number>;
  budgetPolicy?: BudgetPolicy;
  retries?: number;
  usage?: UsageStore;
  breaker?: { threshold?: number; coolDownMs?: number };
  /** Record or replay provider answers; default from WEIR_LLM_CASSETTE(_DIR); null turns it off. */
  cassette?: Cassette | null;
}

/** Rough token estimate (4 characters a token), for routing and the token bucket. */
export const estimateTokens = (s: string) => Math.ceil(s.length / 4);

export class LlmGateway implements LlmClient {
  private readonly clock: Clock;
  private readonly providers = new Map<string, Provider>();
  private readonly models: ModelInfo[];
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly rpm = new Map<string, TokenBucket>();
  private readonly tpm = new Map<string, TokenBucket>();
  private readonly spent = new Map<string, number>();
  private readonly log = logger("llm");
  private readonly cassette: Cassette | undefined;

  constructor(private readonly opts: GatewayOptions) {
    this.clock = opts.clock ?? systemClock;
    this.cassette = opts.cassette === null ? undefined : (opts.cassette ?? cassetteFromEnv(process.env));
    for (const p of opts.providers) this.providers.set(p.name, p);
    this.models = (opts.models ?? DEFAULT_MODELS).filter((m) => this.providers.has(m.provider));
    if (!this.models.length) throw new WeirError("CONFIG_INVALID", "LLM gateway: no model in the cost table belongs to a configured provider");
    for (const p of this.providers.keys()) {
      this.breakers.set(p, new CircuitBreaker(this.clock, opts.breaker?.threshold, opts.breaker?.coolDownMs));
      const l = opts.limits?.[p];
      if (l?.rpm) this.rpm.set(p, new TokenBucket(l.rpm, this.clock, l.burst ?? l.rpm));
      if (l?.tpm) this.tpm.set(p, new TokenBucket(l.tpm, this.clock));
    }
  }

  /**
   * The configured provider a topology's `provider` means: itself, or its OpenAI twin — `openai` in a
   * topology reaches an OpenAI-compatible server when only OPENAI_BASE_URL is set, and the reverse.
   */
  private providerFor(name: string | undefined): string | undefined {
    if (!name) return undefined;
    if (this.providers.has(name)) return name;
    const twin = name === "openai" ? "openai-compatible" : name === "openai-compatible" ? "openai" : undefined;
    return twin && this.providers.has(twin) ? twin : undefined;
  }

  /**
   * Models to try, best first. A preferred model comes first (unknown to the cost table, it runs on
   * the preferred provider, else an OpenAI-compatible one, at no recorded cost); then the preferred
   * provider's models; then by tier for the priority and size, then cost. The rest are fallbacks.
   */
  route(req: LlmRequest, cheapestOnly = false): ModelInfo[] {
    const tokens = estimateTokens(req.system + req.prompt);
    const want = cheapestOnly ? 1 : req.priority === "high" || tokens > 6000 ? 3 : req.priority === "low" ? 1 : tokens > 1500 ? 2 : 1;
    const provider = this.providerFor(req.provider);
    const preferred = (m: ModelInfo) => (provider && m.provider === provider ? 0 : 1);
    const routed = [...this.models].sort((a, b) => preferred(a) - preferred(b) || Math.abs(a.tier - want) - Math.abs(b.tier - want) || a.input + a.output - (b.input + b.output));
    if (!req.model || cheapestOnly) return routed;
    const known = routed.filter((m) => m.model === req.model);
    const on = provider ?? (this.providers.has("openai-compatible") ? "openai-compatible" : routed[0]?.provider);
    const pinned = known.length ? known : on ? [{ provider: on, model: req.model, input: 0, output: 0, tier: 2 as const }] : [];
    return [...pinned, ...routed.filter((m) => !pinned.includes(m))];
  }

  /**
   * The tenant's spend from the usage store (shared by every process on PostgreSQL). When the store
   * cannot answer, this process's own count stands in: an accounting outage must not stop LLM calls.
   */
  private async storedSpend(tenant: string): Promise<number | undefined> {
    if (!this.opts.usage) return undefined;
    try {
      return await this.opts.usage.spent(tenant);
    } catch (e) {
      this.log.warn("usage store unavailable; budget checked against this process's spend", { tenant, error: (e as Error).message });
      return undefined;
    }
  }

  /** Writes a usage row; a failure is logged, never turned into a failed (and re-paid) LLM call. */
  private async account(r: UsageRecord): Promise<void> {
    try {
      await this.opts.usage?.record(r);
    } catch (e) {
      this.log.warn("usage not recorded", { tenant: r.tenant, agent: r.agent, costUsd: r.costUsd, error: (e as Error).message });
    }
  }

  /** One provider call, through the cassette: replay answers from it, record writes to it. */
  private async call(provider: Provider, model: string, req: LlmRequest): Promise<ProviderResult> {
    if (this.cassette?.mode === "replay") return this.cassette.replay(provider.name, model, req);
    const out = await provider.complete(req, model, req.signal);
    if (this.cassette?.mode === "record") this.cassette.record(provider.name, model, req, out);
    return out;
  }

  async complete(req: LlmRequest): Promise<LlmResponse> {
    const spent = (await this.storedSpend(req.tenant)) ?? this.spent.get(req.tenant) ?? 0;
    const budget = this.opts.budgets?.[req.tenant];
    let cheapest = false;
    if (budget !== undefined && spent >= budget) {
      const policy = this.opts.budgetPolicy ?? "downgrade";
      if (policy === "defer") throw new WeirError("BUDGET_EXHAUSTED", `tenant ${req.tenant} spent $${spent.toFixed(4)} of $${budget}`, { retriable: true, details: { tenant: req.tenant, retryAfterMs: 60_000 } });
      if (policy === "dead-letter") throw new WeirError("BUDGET_EXHAUSTED", `tenant ${req.tenant} spent $${spent.toFixed(4)} of $${budget}`, { retriable: false, details: { tenant: req.tenant } });
      cheapest = true;
    }
    const chain = this.route(req, cheapest);
    let last: WeirError | null = null;
    // Replay: a model without a recording is skipped (the recording may have used a fallback); only
    // when no model of the chain has one does the call fail, naming the first key looked for.
    const misses: CassetteMissError[] = [];
    const replaying = this.cassette?.mode === "replay";
    for (const model of chain) {
      const provider = this.providers.get(model.provider)!;
      const breaker = this.breakers.get(model.provider)!;
      for (let attempt = 1; attempt <= 1 + (this.opts.retries ?? 2); attempt++) {
        if (!breaker.allow()) {
          last = new WeirError("CIRCUIT_OPEN", `${model.provider}: circuit open`, { retriable: true });
          break;
        }
        // Waits until both buckets have room, looking again after each sleep: callers that slept
        // together must not all go at once when they wake (only those that find a token do).
        let wait = 0;
        for (;;) {
          wait = replaying ? 0 : Math.max(this.rpm.get(model.provider)?.waitMs(1) ?? 0, this.tpm.get(model.provider)?.waitMs(estimateTokens(req.prompt)) ?? 0);
          if (wait <= 0 || wait > 5_000) break;
          await this.clock.sleep(wait);
        }
        if (wait > 5_000) {
          last = new WeirError("LLM_RATE_LIMITED", `${model.provider}: rate limited for ${wait} ms`, { retriable: true, details: { retryAfterMs: wait } });
          breaker.success(); // not a failure of the provider: release a half-open trial
          break; // try the next provider instead of waiting long
        }
        this.rpm.get(model.provider)?.take(1);
        this.tpm.get(model.provider)?.take(estimateTokens(req.prompt));
        const t0 = this.clock.now();
        try {
          const r = await withSpan(`llm ${model.provider}`, { "gen_ai.system": model.provider, "gen_ai.request.model": model.model, "weir.agent": req.agent, "weir.tenant": req.tenant }, async (span) => {
            const out = await this.call(provider, model.model, req);
            span.setAttributes({ "gen_ai.usage.input_tokens": out.usage.inputTokens, "gen_ai.usage.output_tokens": out.usage.outputTokens, "weir.cost_usd": costUsd(model, out.usage.inputTokens, out.usage.outputTokens) });
            return out;
          }, req.traceparent);
          breaker.success();
          const latencyMs = this.clock.now() - t0;
          const cost = costUsd(model, r.usage.inputTokens, r.usage.outputTokens);
          // A replayed answer spent nothing: it is neither charged to the budget nor accounted.
          if (replaying) return { text: r.text, provider: model.provider, model: model.model, usage: r.usage, costUsd: cost, latencyMs };
          this.spent.set(req.tenant, (this.spent.get(req.tenant) ?? 0) + cost);
          const labels = { provider: model.provider, model: model.model, agent: req.agent, tenant: req.tenant };
          meter.tokens.inc({ ...labels, direction: "input" }, r.usage.inputTokens);
          meter.tokens.inc({ ...labels, direction: "output" }, r.usage.outputTokens);
          meter.cost.inc(labels, cost);
          meter.latency.observe({ provider: model.provider, model: model.model, agent: req.agent }, latencyMs / 1000);
          await this.account({ tenant: req.tenant, agent: req.agent, provider: model.provider, model: model.model, promptId: req.promptId, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, costUsd: cost, at: this.clock.now() });
          return { text: r.text, provider: model.provider, model: model.model, usage: r.usage, costUsd: cost, latencyMs };
        } catch (e) {
          if (e instanceof CassetteMissError) {
            misses.push(e);
            breaker.success(); // not a failure of the provider, which was never called
            break;
          }
          const err = toWeirError(e, "LLM_UNAVAILABLE");
          last = err;
          meter.errors.inc({ provider: model.provider, model: model.model, agent: req.agent, code: err.code });
          if (err.code === "LLM_RATE_LIMITED") {
            const ra = Number(err.details.retryAfterMs ?? 1000);
            let bucket = this.rpm.get(model.provider);
            if (!bucket) this.rpm.set(model.provider, (bucket = new TokenBucket(1e9, this.clock)));
            bucket.block(ra);
            breaker.success();
            this.log.warn("rate limited", { provider: model.provider, retryAfterMs: ra });
            if (ra > 5_000) break;
            await this.clock.sleep(ra);
            continue;
          }
          breaker.failure();
          if (!err.retriable) break;
          this.log.warn("llm call failed; retrying", { provider: model.provider, model: model.model, attempt, code: err.code });
          await this.clock.sleep(backoffMs(attempt, { initialMs: 200, maxMs: 5_000, jitter: "full" }));
        }
      }
      if (last && !last.retriable && last.code !== "LLM_AUTH") throw last;
    }
    if (misses.length && !last) {
      const [first] = misses;
      if (misses.length > 1) first.details.alsoTried = misses.slice(1).map((m) => m.details.file);
      throw first;
    }
    throw last ?? new WeirError("LLM_UNAVAILABLE", "no provider could answer", { retriable: true });
  }
}
