// Prices per million tokens (USD) used for routing and cost accounting. Override with
// WEIR_LLM_COSTS='{"provider/model": [input, output]}'. Local models cost nothing.
export interface ModelInfo {
  provider: string;
  model: string;
  /** USD per 1M input tokens, per 1M output tokens. */
  input: number;
  output: number;
  /** Relative capability, 1 (small) to 3 (large): complex or high-priority work prefers more. */
  tier: 1 | 2 | 3;
}

export const DEFAULT_MODELS: ModelInfo[] = [
  { provider: "openai", model: "gpt-4o-mini", input: 0.15, output: 0.6, tier: 1 },
  { provider: "openai", model: "gpt-4.1", input: 2, output: 8, tier: 3 },
  { provider: "anthropic", model: "claude-haiku-4-5", input: 1, output: 5, tier: 2 },
  { provider: "anthropic", model: "claude-sonnet-4-5", input: 3, output: 15, tier: 3 },
  { provider: "gemini", model: "gemini-2.5-flash", input: 0.3, output: 2.5, tier: 1 },
  { provider: "gemini", model: "gemini-2.5-pro", input: 1.25, output: 10, tier: 3 },
  { provider: "openai-compatible", model: "local", input: 0, output: 0, tier: 1 },
];

export function costUsd(m: ModelInfo, inputTokens: number, outputTokens: number): number {
  return (inputTokens * m.input + outputTokens * m.output) / 1e6;
}
