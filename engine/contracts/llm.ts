// The contract between agents and the LLM gateway: agents ask for structured output through an
// LlmClient; the gateway (agents/llm/) picks a provider and model, enforces budgets and limits, and
// accounts usage. It lives in the engine because the runtime hands an LlmClient to agents without
// knowing which gateway implements it.
import type { TSchema } from "@sinclair/typebox";

export type Priority = "low" | "normal" | "high";

export interface LlmRequest {
  agent: string;
  tenant: string;
  /** Versioned prompt id, e.g. "sentiment@v2"; recorded with usage. */
  promptId: string;
  system: string;
  prompt: string;
  /** JSON schema of the expected output; providers use their structured-output mode with it. */
  schema: TSchema;
  schemaName: string;
  priority?: Priority;
  maxOutputTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Propagated W3C trace context, if any. */
  traceparent?: string;
  /** Preferred provider (the topology's `provider` for the agent): its models are tried first, the others stay as fallbacks. */
  provider?: string;
  /**
   * Preferred model (the agent's `config.model` in the topology): tried first, on the preferred
   * provider when it has no entry in the cost table; the routed models stay as fallbacks.
   */
  model?: string;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface LlmResponse {
  /** Raw text as returned (validated and repaired by agents/validator). */
  text: string;
  provider: string;
  model: string;
  usage: LlmUsage;
  costUsd: number;
  latencyMs: number;
}

/** What an agent sees: one call that returns raw structured text. */
export interface LlmClient {
  complete(req: LlmRequest): Promise<LlmResponse>;
}
