// OpenAI (and any OpenAI-compatible server: Ollama, vLLM, llama.cpp) through the `openai` SDK,
// using Chat Completions with `response_format: json_schema` (strict). Compatible servers that
// lack json_schema can use `json_object` mode instead.
import OpenAI from "openai";
import { jsonSchema, providerError, type Provider, type ProviderResult } from "../provider.ts";
import type { LlmRequest } from "../types.ts";

export interface OpenAiOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
  /** "json_schema" (default) or "json_object" for servers without strict schemas. */
  mode?: "json_schema" | "json_object";
  name?: string;
}

export class OpenAiProvider implements Provider {
  readonly name: string;
  private readonly client: OpenAI;
  constructor(private readonly opts: OpenAiOptions) {
    this.name = opts.name ?? (opts.baseURL ? "openai-compatible" : "openai");
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 60_000 });
  }
  async complete(req: LlmRequest, model: string, signal?: AbortSignal): Promise<ProviderResult> {
    try {
      const res = await this.client.chat.completions.create(
        {
          model,
          messages: [
            { role: "system", content: req.system },
            { role: "user", content: req.prompt },
          ],
          max_tokens: req.maxOutputTokens,
          temperature: req.temperature ?? 0,
          response_format: this.opts.mode === "json_object" ? { type: "json_object" } : { type: "json_schema", json_schema: { name: req.schemaName, schema: jsonSchema(req.schema, true), strict: true } },
        },
        { signal },
      );
      return { text: res.choices[0]?.message?.content ?? "", usage: { inputTokens: res.usage?.prompt_tokens ?? 0, outputTokens: res.usage?.completion_tokens ?? 0 } };
    } catch (e) {
      throw providerError(this.name, e);
    }
  }
}
