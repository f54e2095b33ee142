// The provider adapters against local servers that speak each provider's wire format — the real
// providers are unreachable from this machine. Each test checks the request shape (path, auth
// header, model, structured-output fields) and the mapping of failures onto weir's error codes.
import { afterEach, describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { OpenAiProvider } from "../../../../agents/llm/providers/openai.ts";
import { AnthropicProvider } from "../../../../agents/llm/providers/anthropic.ts";
import { GeminiProvider } from "../../../../agents/llm/providers/gemini.ts";
import type { LlmRequest } from "../../../../agents/llm/types.ts";
import { fakeLlmServer } from "../../../fakes/llm-server.ts";

const schema = Type.Object({ label: Type.Union([Type.Literal("positive"), Type.Literal("negative")]), score: Type.Number() });
const req: LlmRequest = { agent: "sentiment", tenant: "acme", promptId: "sentiment@v1", system: "Label sentiment.", prompt: "I love it", schema, schemaName: "sentiment_result" };
let stops: Array<() => void> = [];
afterEach(() => {
  stops.forEach((s) => s());
  stops = [];
});
const server = (...a: Parameters<typeof fakeLlmServer>) => {
  const s = fakeLlmServer(...a);
  stops.push(s.stop);
  return s;
};

describe("openai adapter (fake OpenAI server)", () => {
  test("chat completions with a strict json_schema response format", async () => {
    const s = server("openai", [{ kind: "ok", json: { label: "positive", score: 0.9 } }]);
    const p = new OpenAiProvider({ apiKey: "sk-test", baseURL: `${s.url}/v1`, name: "openai" });
    const r = await p.complete(req, "gpt-4o-mini");
    expect(JSON.parse(r.text)).toEqual({ label: "positive", score: 0.9 });
    expect(r.usage).toEqual({ inputTokens: 120, outputTokens: 30 });
    const [sent] = s.requests;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-test");
    expect(sent.body.model).toBe("gpt-4o-mini");
    expect(sent.body.messages).toEqual([{ role: "system", content: "Label sentiment." }, { role: "user", content: "I love it" }]);
    expect(sent.body.response_format.type).toBe("json_schema");
    expect(sent.body.response_format.json_schema).toMatchObject({ name: "sentiment_result", strict: true, schema: { type: "object", additionalProperties: false, required: ["label", "score"] } });
  });
  test("429 carries Retry-After; 500 is retriable; a hang times out", async () => {
    const s = server("openai", [{ kind: "429", retryAfterS: 7 }, { kind: "500" }, { kind: "hang" }]);
    const p = new OpenAiProvider({ apiKey: "k", baseURL: `${s.url}/v1`, timeoutMs: 300 });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_RATE_LIMITED", retriable: true, details: { retryAfterMs: 7000 } });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_UNAVAILABLE", retriable: true });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_TIMEOUT", retriable: true });
  });
  test("json_object mode for OpenAI-compatible servers", async () => {
    const s = server("openai", [{ kind: "ok", json: { label: "negative", score: -1 } }]);
    const p = new OpenAiProvider({ apiKey: "none", baseURL: `${s.url}/v1`, mode: "json_object" });
    expect(p.name).toBe("openai-compatible");
    await p.complete(req, "llama3");
    expect(s.requests[0].body.response_format).toEqual({ type: "json_object" });
  });
});

describe("anthropic adapter (fake Anthropic server)", () => {
  test("a forced tool whose input schema is the output schema", async () => {
    const s = server("anthropic", [{ kind: "ok", json: { label: "negative", score: -0.7 } }]);
    const p = new AnthropicProvider({ apiKey: "ak-test", baseURL: s.url });
    const r = await p.complete(req, "claude-haiku-4-5");
    expect(JSON.parse(r.text)).toEqual({ label: "negative", score: -0.7 });
    expect(r.usage).toEqual({ inputTokens: 100, outputTokens: 20 });
    const [sent] = s.requests;
    expect(sent.path).toBe("/v1/messages");
    // SDK 1.x authenticates with x-api-key or a Bearer token depending on configuration.
    expect(sent.headers["x-api-key"] ?? sent.headers.authorization).toMatch(/ak-test$/);
    expect(sent.body.tool_choice).toEqual({ type: "tool", name: "sentiment_result" });
    expect(sent.body.tools[0].input_schema.required).toEqual(["label", "score"]);
    expect(sent.body.system).toBe("Label sentiment.");
  });
  test("429 and 500 map to retriable codes", async () => {
    const s = server("anthropic", [{ kind: "429", retryAfterS: 2 }, { kind: "500" }]);
    const p = new AnthropicProvider({ apiKey: "k", baseURL: s.url });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_RATE_LIMITED", details: { retryAfterMs: 2000 } });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_UNAVAILABLE" });
  });
  test("a hang times out as a retriable LLM_TIMEOUT", async () => {
    const s = server("anthropic", [{ kind: "hang" }]);
    const p = new AnthropicProvider({ apiKey: "k", baseURL: s.url, timeoutMs: 300 });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_TIMEOUT", retriable: true, details: { provider: "anthropic" } });
  });
  test("malformed JSON: in the model's answer it is returned for the validator to repair; as the body it is a retriable error", async () => {
    const s = server("anthropic", [{ kind: "malformed", text: "Sure! {'label': 'negative', 'score': -0.5,}" }, { kind: "garbage-body" }]);
    const p = new AnthropicProvider({ apiKey: "k", baseURL: s.url });
    const r = await p.complete(req, "m");
    expect(r.text).toBe("Sure! {'label': 'negative', 'score': -0.5,}");
    const { parseLlmOutput } = await import("../../../../agents/validator.ts");
    expect((await parseLlmOutput(schema, r.text, async () => Promise.reject(new Error("no re-ask expected")))).value).toEqual({ label: "negative", score: -0.5 });
    await expect(p.complete(req, "m")).rejects.toMatchObject({ code: "LLM_UNAVAILABLE", retriable: true, details: { provider: "anthropic" } });
  });
});

describe("gemini adapter (fake Gemini server)", () => {
  test("generateContent with responseMimeType and a JSON schema", async () => {
    const s = server("gemini", [{ kind: "ok", json: { label: "positive", score: 0.4 } }]);
    const p = new GeminiProvider({ apiKey: "g-test", baseUrl: s.url });
    const r = await p.complete(req, "gemini-2.5-flash");
    expect(JSON.parse(r.text)).toEqual({ label: "positive", score: 0.4 });
    expect(r.usage).toEqual({ inputTokens: 90, outputTokens: 25 });
    const [sent] = s.requests;
    expect(sent.path).toContain("/models/gemini-2.5-flash:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe("g-test");
    expect(sent.body.generationConfig.responseMimeType).toBe("application/json");
    expect(sent.body.generationConfig.responseJsonSchema.required).toEqual(["label", "score"]);
  });
  test("malformed model output is returned as text for the validator to repair", async () => {
    const s = server("gemini", [{ kind: "malformed", text: "```json\n{'label': 'positive', 'score': 1,}\n```" }]);
    const p = new GeminiProvider({ apiKey: "g", baseUrl: s.url });
    const r = await p.complete(req, "gemini-2.5-flash");
    expect(r.text).toContain("'label'");
  });
  test("429 carries Retry-After; 500 is retriable; a hang times out", async () => {
    const s = server("gemini", [{ kind: "429", retryAfterS: 4 }, { kind: "500" }, { kind: "hang" }]);
    const p = new GeminiProvider({ apiKey: "g", baseUrl: s.url, timeoutMs: 300 });
    await expect(p.complete(req, "gemini-2.5-flash")).rejects.toMatchObject({ code: "LLM_RATE_LIMITED", retriable: true, details: { provider: "gemini", status: 429 } });
    await expect(p.complete(req, "gemini-2.5-flash")).rejects.toMatchObject({ code: "LLM_UNAVAILABLE", retriable: true, details: { provider: "gemini", status: 500 } });
    await expect(p.complete(req, "gemini-2.5-flash")).rejects.toMatchObject({ code: "LLM_TIMEOUT", retriable: true, details: { provider: "gemini" } });
    expect(s.requests).toHaveLength(3); // no retries inside the SDK: the gateway owns them
  });
});

describe("weir analyze --provider openai (fake OpenAI-compatible server)", () => {
  test("the sentiment agent's LLM path: structured output, repaired and validated", async () => {
    // The first answer is invalid (score out of range) and is re-asked once with the errors.
    const s = server("openai", [{ kind: "ok", json: { label: "negative", score: -3, confidence: 0.9 } }, { kind: "malformed", text: "```json\n{'label': 'negative', 'score': -0.8, 'confidence': 0.9,}\n```" }]);
    const cli = require("node:path").resolve(import.meta.dir, "../../../../cli/weir.ts");
    const proc = Bun.spawn(["bun", cli, "analyze", "--agent", "sentiment", "--provider", "openai"], {
      stdin: new Blob(['{"id":"x","text":"this is still broken"}\n']),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `${s.url}/v1`, WEIR_LLM_MODELS: JSON.stringify([{ provider: "openai-compatible", model: "local-llm", input: 0, output: 0, tier: 1 }]) },
    });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(JSON.parse(out.trim())).toEqual({ id: "x", label: "negative", score: -0.8, confidence: 0.9, trend: "stable" });
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1].body.messages[1].content).toContain("It was invalid");
    expect(s.requests[0].body.model).toBe("local-llm");
  });
});

describe("pii agent, LLM path (fake Anthropic server)", () => {
  test("model findings add names the patterns missed; invented values are dropped; checksummed matches stay", async () => {
    const { pii } = await import("../../../../agents/pii/agent.ts");
    const { createLlmClient } = await import("../../../../agents/llm/index.ts");
    const { systemClock } = await import("../../../../engine/clock.ts");
    const { logger } = await import("../../../../engine/log.ts");
    const s = server("anthropic", [{ kind: "ok", json: { findings: [{ type: "name", value: "Ana Souza" }, { type: "name", value: "Nobody Here" }] } }]);
    const llm = createLlmClient({ env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: s.url } });
    const text = "Ana Souza here, card 4111 1111 1111 1111.";
    const r = await pii.llm!({ id: "1", conversationId: "c", tenant: "t", text }, { key: "c", tenant: "t", state: pii.initialState(), clock: systemClock, log: logger("t"), llm, attempt: 1, signal: new AbortController().signal }, { mode: "tag" });
    expect(r.output.findings.map((f) => [f.type, text.slice(f.start, f.end), f.redacted])).toEqual([["name", "Ana Souza", "[NAME]"], ["card", "4111 1111 1111 1111", "[CARD]"]]);
    expect(r.output.redacted).toBe("[NAME] here, card [CARD].");
    expect(r.record?.text).toBe("[NAME] here, card [CARD].");
    expect(JSON.stringify(r.output)).not.toContain("Ana Souza");
  });
});

describe("insights agent, LLM path (fake Gemini server)", () => {
  test("the model's structured answer becomes the output; state counts the intent; an invalid intent is re-asked", async () => {
    const { insights } = await import("../../../../agents/insights.ts");
    const { createLlmClient } = await import("../../../../agents/llm/index.ts");
    const { systemClock } = await import("../../../../engine/clock.ts");
    const { logger } = await import("../../../../engine/log.ts");
    const answer = { intent: "billing_charge_dispute" as const, intentConfidence: 0.92, urgency: "high" as const, actionItems: ["Please refund the second charge."], entities: [{ type: "amount", value: "$49.00" }], escalation: ["repeated_contact"] };
    const s = server("gemini", [{ kind: "ok", json: { ...answer, intent: "double_charge" } }, { kind: "ok", json: answer }]);
    const llm = createLlmClient({ env: { GEMINI_API_KEY: "g", GEMINI_BASE_URL: s.url } });
    const state = { contacts: 1, intents: { billing_charge_dispute: 1 } };
    const text = "I was charged $49.00 twice again this month. Please refund the second charge.";
    const r = await insights.llm!({ id: "m2", conversationId: "c", tenant: "t", text }, { key: "c", tenant: "t", state, clock: systemClock, log: logger("t"), llm, attempt: 1, signal: new AbortController().signal }, {});
    expect(r.output).toEqual(answer);
    expect(r.state).toEqual({ contacts: 2, intents: { billing_charge_dispute: 2 } });
    expect(s.requests).toHaveLength(2);
    expect(s.requests[0].body.contents[0].parts[0].text).toContain(text);
    expect(s.requests[0].body.generationConfig.responseJsonSchema.properties.intent).toBeDefined();
    expect(s.requests[1].body.contents[0].parts[0].text).toContain("It was invalid: /intent");
  });
});
