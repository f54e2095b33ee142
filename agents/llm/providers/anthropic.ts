// Anthropic through `@anthropic-ai/sdk`: structured output by forcing one tool whose input schema
// is the output schema (`tool_choice: {type: "tool"}`); the tool input is the answer.
import Anthropic from "@anthropic-ai/sdk";
import { jsonSchema, providerError, type Provider, type ProviderResult } from "../provider.ts";
import type { LlmRequest } from "../types.ts";

export class AnthropicProvider implements Provider {
  readonly name = "anthropic";
  private readonly client: Anthropic;
  constructor(opts: { apiKey: string; baseURL?: string; timeoutMs?: number }) {
    this.client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 60_000 });
  }
  async complete(req: LlmRequest, model: string, signal?: AbortSignal): Promise<ProviderResult> {
    try {
      const res = await this.client.messages.create(
        {
          model,
          max_tokens: req.maxOutputTokens ?? 1024,
          system: req.system,
          messages: [{ role: "user", content: req.prompt }],
          tools: [{ name: req.schemaName, description: `Return the ${req.schemaName} result.`, input_schema: jsonSchema(req.schema) as never }],
          tool_choice: { type: "tool", name: req.schemaName },
        },
        { signal },
      );
      const block = res.content.find((b) => b.type === "tool_use") as { input?: unknown } | undefined;
      const text = block ? JSON.stringify(block.input) : res.content.map((b) => ("text" in b ? b.text : "")).join("");
      return { text, usage: { inputTokens: res.usage?.input_tokens ?? 0, outputTokens: res.usage?.output_tokens ?? 0 } };
    } catch (e) {
      throw providerError(this.name, e);
    }
  }
}
