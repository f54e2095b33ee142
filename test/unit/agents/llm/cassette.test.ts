// The LLM cassette: record answers from a local fake provider, then replay them with the fake
// stopped (no network), and fail with a typed error naming the key on a miss. Through the gateway,
// as every agent reaches it.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import { Cassette, CassetteMissError, cassetteFromEnv, cassetteKey } from "../../../../agents/llm/cassette.ts";
import { LlmGateway } from "../../../../agents/llm/gateway.ts";
import { createLlmClient } from "../../../../agents/llm/index.ts";
import type { Provider } from "../../../../agents/llm/provider.ts";
import { OpenAiProvider } from "../../../../agents/llm/providers/openai.ts";
import { GeminiProvider } from "../../../../agents/llm/providers/gemini.ts";
import type { LlmRequest } from "../../../../agents/llm/types.ts";
import { MemoryUsageStore } from "../../../../agents/llm/usage-store.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { fakeLlmServer } from "../../../fakes/llm-server.ts";

const schema = Type.Object({ label: Type.String(), score: Type.Number() });
const req = (over: Partial<LlmRequest> = {}): LlmRequest => ({ agent: "sentiment", tenant: "acme", promptId: "sentiment@v2", system: "Label sentiment.", prompt: "The refund never arrived.", schema, schemaName: "sentiment_result", ...over });
const MODELS = [
  { provider: "openai", model: "gpt-4o-mini", input: 0.15, output: 0.6, tier: 1 as const },
  { provider: "gemini", model: "gemini-2.5-flash", input: 0.3, output: 2.5, tier: 1 as const },
];

let cleanup: Array<() => void> = [];
afterEach(() => {
  cleanup.forEach((c) => c());
  cleanup = [];
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "weir-cassette-"));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

describe("cassette keys", () => {
  test("provider, model, prompt id@version and the request the provider sees make the key; tenant and trace do not", () => {
    const k = cassetteKey("openai", "gpt-4o-mini", req());
    expect(k).toMatchObject({ provider: "openai", model: "gpt-4o-mini", promptId: "sentiment@v2" });
    expect(k.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(cassetteKey("openai", "gpt-4o-mini", req({ tenant: "other", traceparent: "00-abc-def-01" }))).toEqual(k);
    const differs = [
      cassetteKey("gemini", "gpt-4o-mini", req()),
      cassetteKey("openai", "gpt-4o", req()),
      cassetteKey("openai", "gpt-4o-mini", req({ prompt: "The refund arrived." })),
      cassetteKey("openai", "gpt-4o-mini", req({ system: "Label the mood." })),
      cassetteKey("openai", "gpt-4o-mini", req({ temperature: 0.2 })),
      cassetteKey("openai", "gpt-4o-mini", req({ schema: Type.Object({ label: Type.String() }) })),
    ];
    for (const d of differs) expect(d.requestHash).not.toBe(k.requestHash);
    // A new template version is a new key even for the same text.
    expect(cassetteKey("openai", "gpt-4o-mini", req({ promptId: "sentiment@v3" })).promptId).toBe("sentiment@v3");
  });

  test("WEIR_LLM_CASSETTE: off by default, record or replay, anything else is a clear error", () => {
    expect(cassetteFromEnv({})).toBeUndefined();
    expect(cassetteFromEnv({ WEIR_LLM_CASSETTE: "off" })).toBeUndefined();
    const c = cassetteFromEnv({ WEIR_LLM_CASSETTE: "replay", WEIR_LLM_CASSETTE_DIR: "/tmp/x" })!;
    expect([c.mode, c.dir]).toEqual(["replay", "/tmp/x"]);
    expect(cassetteFromEnv({ WEIR_LLM_CASSETTE: "Record" })!.mode).toBe("record");
    expect(() => cassetteFromEnv({ WEIR_LLM_CASSETTE: "playback" })).toThrow(/WEIR_LLM_CASSETTE: "playback" is not one of off, record, replay/);
  });
});

describe("record, then replay with the provider gone", () => {
  test("a recorded answer replays identically with the fake server stopped; nothing is charged on replay", async () => {
    const dir = tempDir();
    const s = fakeLlmServer("openai", [{ kind: "ok", json: { label: "negative", score: -0.8 } }]);
    const provider = () => new OpenAiProvider({ apiKey: "sk-test", baseURL: `${s.url}/v1`, name: "openai", timeoutMs: 2_000 });
    const recordUsage = new MemoryUsageStore();
    const recorder = new LlmGateway({ providers: [provider()], models: MODELS.slice(0, 1), cassette: new Cassette("record", dir), usage: recordUsage });
    const recorded = await recorder.complete(req());
    expect(JSON.parse(recorded.text)).toEqual({ label: "negative", score: -0.8 });
    expect(s.requests).toHaveLength(1);
    expect(recordUsage.rows).toHaveLength(1);
    const files = readdirSync(join(dir, "sentiment@v2"));
    expect(files).toHaveLength(1);
    const entry = JSON.parse(readFileSync(join(dir, "sentiment@v2", files[0]), "utf8"));
    expect(entry.key).toEqual(cassetteKey("openai", "gpt-4o-mini", req()));
    expect(entry.request.prompt).toBe("The refund never arrived.");
    expect(entry.response).toEqual({ text: recorded.text, usage: { inputTokens: 120, outputTokens: 30 } });
    s.stop();

    const replayUsage = new MemoryUsageStore();
    const replayer = new LlmGateway({ providers: [provider()], models: MODELS.slice(0, 1), cassette: new Cassette("replay", dir), usage: replayUsage, retries: 0 });
    const replayed = await replayer.complete(req({ tenant: "another-tenant" }));
    expect({ text: replayed.text, provider: replayed.provider, model: replayed.model, usage: replayed.usage, costUsd: replayed.costUsd }).toEqual({
      text: recorded.text,
      provider: "openai",
      model: "gpt-4o-mini",
      usage: recorded.usage,
      costUsd: recorded.costUsd,
    });
    expect(replayUsage.rows).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  test("a miss fails with CassetteMissError naming the key and the file, without calling the provider", async () => {
    const dir = tempDir();
    let calls = 0;
    const p: Provider = {
      name: "openai",
      async complete() {
        calls++;
        return { text: "{}", usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const g = new LlmGateway({ providers: [p], models: MODELS.slice(0, 1), cassette: new Cassette("replay", dir) });
    const err = await g.complete(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteMissError);
    const miss = err as CassetteMissError;
    expect(miss).toBeInstanceOf(WeirError);
    expect({ code: miss.code, retriable: miss.retriable }).toEqual({ code: "LLM_CASSETTE_MISS", retriable: false });
    expect(miss.key).toEqual(cassetteKey("openai", "gpt-4o-mini", req()));
    expect(miss.message).toContain(`openai/gpt-4o-mini sentiment@v2 ${miss.key.requestHash.slice(0, 16)}`);
    expect(miss.details.file).toBe(new Cassette("replay", dir).fileFor(miss.key));
    expect(calls).toBe(0);
  });

  test("replay follows a recorded fallback: a model without a recording is skipped for the next one", async () => {
    const dir = tempDir();
    const open = fakeLlmServer("openai", [{ kind: "500" }]);
    const gem = fakeLlmServer("gemini", [{ kind: "ok", json: { label: "positive", score: 0.5 } }]);
    cleanup.push(open.stop, gem.stop);
    const providers = () => [new OpenAiProvider({ apiKey: "k", baseURL: `${open.url}/v1`, name: "openai" }), new GeminiProvider({ apiKey: "g", baseUrl: gem.url })];
    const recorder = new LlmGateway({ providers: providers(), models: MODELS, cassette: new Cassette("record", dir), retries: 0 });
    const recorded = await recorder.complete(req({ provider: "openai" }));
    expect(recorded.provider).toBe("gemini");
    open.stop();
    gem.stop();
    const replayer = new LlmGateway({ providers: providers(), models: MODELS, cassette: new Cassette("replay", dir), retries: 0 });
    const replayed = await replayer.complete(req({ provider: "openai" }));
    expect([replayed.provider, replayed.text]).toEqual(["gemini", recorded.text]);
    // With neither recorded, the error names the preferred model's key and lists the others.
    const miss = (await replayer.complete(req({ provider: "openai", prompt: "never recorded" })).catch((e: unknown) => e)) as CassetteMissError;
    expect(miss.key.provider).toBe("openai");
    expect(miss.details.alsoTried).toEqual([expect.stringContaining("gemini--gemini-2.5-flash--")]);
  });

  test("a damaged cassette is a clear configuration error naming the file", async () => {
    const dir = tempDir();
    const c = new Cassette("replay", dir);
    const file = c.record("openai", "gpt-4o-mini", req(), { text: "{}", usage: { inputTokens: 1, outputTokens: 1 } });
    writeFileSync(file, "{ not json");
    expect(() => c.replay("openai", "gpt-4o-mini", req())).toThrow(new RegExp(`cassette ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON`));
    writeFileSync(file, JSON.stringify({ response: { text: 3 } }));
    expect(() => c.replay("openai", "gpt-4o-mini", req())).toThrow(/response must have text/);
  });

  test("createLlmClient reads WEIR_LLM_CASSETTE from its environment", async () => {
    const dir = tempDir();
    const llm = createLlmClient({ env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:9/v1", WEIR_LLM_CASSETTE: "replay", WEIR_LLM_CASSETTE_DIR: dir } });
    await expect(llm.complete(req())).rejects.toMatchObject({ code: "LLM_CASSETTE_MISS" });
  });
});

describe("weir analyze --provider openai under WEIR_LLM_CASSETTE", () => {
  test("records a run against the fake server, then replays it with the server stopped", async () => {
    const dir = tempDir();
    const s = fakeLlmServer("openai", [{ kind: "ok", json: { label: "negative", score: -0.7, confidence: 0.85 } }]);
    cleanup.push(s.stop);
    const cli = resolve(import.meta.dir, "../../../../cli/weir.ts");
    const run = async (mode: string) => {
      const proc = Bun.spawn(["bun", cli, "analyze", "--agent", "sentiment", "--provider", "openai"], {
        stdin: new Blob(['{"id":"m1","text":"the export has been broken for three days"}\n']),
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `${s.url}/v1`, WEIR_LLM_CASSETTE: mode, WEIR_LLM_CASSETTE_DIR: dir, WEIR_LLM_MODELS: JSON.stringify([{ provider: "openai-compatible", model: "local-llm", input: 0, output: 0, tier: 1 }]) },
      });
      const [out, errText, code] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text(), await proc.exited];
      return { out: out.trim(), err: errText, code };
    };
    const recorded = await run("record");
    expect(recorded.code).toBe(0);
    expect(JSON.parse(recorded.out)).toMatchObject({ id: "m1", label: "negative", score: -0.7, confidence: 0.85 });
    s.stop();
    const replayed = await run("replay");
    expect(replayed.code).toBe(0);
    expect(replayed.out).toBe(recorded.out);
    expect(s.requests).toHaveLength(1);
  });
});
