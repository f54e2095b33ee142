// The LLM gateway from configuration or the environment:
//   OPENAI_API_KEY, OPENAI_BASE_URL (any OpenAI-compatible server), WEIR_OPENAI_MODE=json_object
//   ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL; GEMINI_API_KEY (or GOOGLE_API_KEY), GEMINI_BASE_URL
//   WEIR_LLM_MODELS   JSON list of {provider, model, input, output, tier} replacing the cost table
//   WEIR_LLM_BUDGETS  "tenantA:5.00,tenantB:1.50" (USD); WEIR_LLM_BUDGET_POLICY downgrade|defer|dead-letter
//   WEIR_LLM_LIMITS   '{"openai":{"rpm":500,"tpm":200000}}'
//   WEIR_LLM_CASSETTE off|record|replay, WEIR_LLM_CASSETTE_DIR (see ./cassette.ts)
import { WeirError } from "../../engine/errors.ts";
import { cassetteFromEnv } from "./cassette.ts";
import { LlmGateway, type BudgetPolicy, type GatewayOptions } from "./gateway.ts";
import type { ModelInfo } from "./cost-table.ts";
import type { Provider } from "./provider.ts";
import { AnthropicProvider } from "./providers/anthropic.ts";
import { GeminiProvider } from "./providers/gemini.ts";
import { OpenAiProvider } from "./providers/openai.ts";
import type { LlmClient } from "./types.ts";

export { LlmGateway } from "./gateway.ts";
export { Cassette, CassetteMissError, cassetteFromEnv, cassetteKey } from "./cassette.ts";
export type { LlmClient, LlmRequest, LlmResponse } from "./types.ts";

export function providersFromEnv(env: Record<string, string | undefined>, only?: string): Provider[] {
  const out: Provider[] = [];
  const want = (p: string) => !only || only === p || (only === "openai" && p === "openai-compatible");
  if (want("openai") && (env.OPENAI_API_KEY || env.OPENAI_BASE_URL))
    out.push(new OpenAiProvider({ apiKey: env.OPENAI_API_KEY ?? "not-needed", baseURL: env.OPENAI_BASE_URL, mode: env.WEIR_OPENAI_MODE === "json_object" ? "json_object" : "json_schema" }));
  if (want("anthropic") && env.ANTHROPIC_API_KEY) out.push(new AnthropicProvider({ apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL }));
  if (want("gemini") && (env.GEMINI_API_KEY || env.GOOGLE_API_KEY)) out.push(new GeminiProvider({ apiKey: (env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY)!, baseUrl: env.GEMINI_BASE_URL }));
  return out;
}

/** An LlmClient for agents; `provider` restricts it to one provider (as `weir analyze --provider` does). */
export function createLlmClient(config: Partial<GatewayOptions> & { provider?: string; env?: Record<string, string | undefined> } = {}): LlmClient {
  const env = config.env ?? process.env;
  const providers = config.providers ?? providersFromEnv(env, config.provider);
  if (!providers.length) throw new WeirError("LLM_AUTH", `no LLM provider configured${config.provider ? ` for ${config.provider}` : ""}: set OPENAI_API_KEY/OPENAI_BASE_URL, ANTHROPIC_API_KEY or GEMINI_API_KEY`);
  const budgets = Object.fromEntries((env.WEIR_LLM_BUDGETS ?? "").split(",").filter(Boolean).map((p) => [p.split(":")[0], Number(p.split(":")[1])]));
  const models = env.WEIR_LLM_MODELS ? (JSON.parse(env.WEIR_LLM_MODELS) as ModelInfo[]) : undefined;
  return new LlmGateway({
    models,
    budgets,
    budgetPolicy: (env.WEIR_LLM_BUDGET_POLICY as BudgetPolicy | undefined) ?? "downgrade",
    limits: env.WEIR_LLM_LIMITS ? JSON.parse(env.WEIR_LLM_LIMITS) : undefined,
    ...config,
    cassette: config.cassette !== undefined ? config.cassette : (cassetteFromEnv(env) ?? null),
    providers,
  });
}
