// Gemini through `@google/genai`: JSON output with `responseMimeType: application/json` and
// `responseJsonSchema`.
import { GoogleGenAI } from "@google/genai";
import { jsonSchema, providerError, type Provider, type ProviderResult } from "../provider.ts";
import type { LlmRequest } from "../types.ts";

export class GeminiProvider implements Provider {
  readonly name = "gemini";
  private readonly client: GoogleGenAI;
  constructor(opts: { apiKey: string; baseUrl?: string; timeoutMs?: number }) {
    this.client = new GoogleGenAI({ apiKey: opts.apiKey, httpOptions: { ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), timeout: opts.timeoutMs ?? 60_000 } });
  }
  async complete(req: LlmRequest, model: string, signal?: AbortSignal): Promise<ProviderResult> {
    try {
      const res = await this.client.models.generateContent({
        model,
        contents: [{ role: "user", parts: [{ text: req.prompt }] }],
        config: { systemInstruction: req.system, responseMimeType: "application/json", responseJsonSchema: jsonSchema(req.schema), maxOutputTokens: req.maxOutputTokens, temperature: req.temperature ?? 0, abortSignal: signal },
      });
      return { text: res.text ?? "", usage: { inputTokens: res.usageMetadata?.promptTokenCount ?? 0, outputTokens: res.usageMetadata?.candidatesTokenCount ?? 0 } };
    } catch (e) {
      throw providerError(this.name, e);
    }
  }
}
