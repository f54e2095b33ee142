// Record and replay of LLM responses ("cassettes"), so tests, evals and `weir replay` runs that use
// an LLM are deterministic and need no network. Every provider call the gateway makes goes through
// here. A call's key is the provider, the model, the prompt template's id and version, and a SHA-256
// of everything in the request that reaches the provider (system, prompt, output schema and its
// name, output-token limit, temperature) — not the tenant, trace or abort signal, which the
// provider never sees.
//
//   WEIR_LLM_CASSETTE      off (default) | record | replay
//   WEIR_LLM_CASSETTE_DIR  where cassette files live (default .weir/cassettes)
//
// record: the provider is called as usual and each successful answer is written to one file per
// key (written to a temporary name, then renamed, so a reader never sees half a file). replay: no
// provider is called; a key without a file fails with CassetteMissError (code LLM_CASSETTE_MISS,
// not retriable) naming the key and the file it looked for. Cassettes hold the prompts in clear:
// treat the directory like the data that went into it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WeirError } from "../../engine/errors.ts";
import type { ProviderResult } from "./provider.ts";
import type { LlmRequest } from "./types.ts";

export type CassetteMode = "off" | "record" | "replay";
export const CASSETTE_MODES: readonly CassetteMode[] = ["off", "record", "replay"];

export interface CassetteKey {
  provider: string;
  model: string;
  /** The prompt template's id and version, e.g. "sentiment@v2". */
  promptId: string;
  /** SHA-256 (hex) of the canonical request the provider receives. */
  requestHash: string;
}

/** What a cassette file holds. */
export interface CassetteEntry {
  key: CassetteKey;
  /** The request as the provider saw it, for reading a cassette (not used to match). */
  request: ReturnType<typeof providerView>;
  response: ProviderResult;
  recordedAt: string;
}

/** A replay found no recording for a call. */
export class CassetteMissError extends WeirError {
  readonly key: CassetteKey;
  constructor(key: CassetteKey, file: string) {
    super("LLM_CASSETTE_MISS", `no cassette for ${formatKey(key)} (looked for ${file}); record it with WEIR_LLM_CASSETTE=record`, { retriable: false, details: { ...key, file } });
    this.name = "CassetteMissError";
    this.key = key;
  }
}

export const formatKey = (k: CassetteKey) => `${k.provider}/${k.model} ${k.promptId} ${k.requestHash.slice(0, 16)}`;

/** The part of a request a provider receives: the whole of what a recorded answer depends on. */
function providerView(req: LlmRequest) {
  return {
    system: req.system,
    prompt: req.prompt,
    schemaName: req.schemaName,
    schema: JSON.parse(JSON.stringify(req.schema)) as unknown,
    maxOutputTokens: req.maxOutputTokens ?? null,
    temperature: req.temperature ?? null,
  };
}

/** JSON with object keys sorted at every level, so equal requests hash equal however they were built. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

export function cassetteKey(provider: string, model: string, req: LlmRequest): CassetteKey {
  const requestHash = createHash("sha256").update(canonical({ provider, model, ...providerView(req) })).digest("hex");
  return { provider, model, promptId: req.promptId, requestHash };
}

/** File names keep only safe characters; the hash keeps them unique. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._@-]+/g, "_").slice(0, 80);

export class Cassette {
  constructor(
    readonly mode: CassetteMode,
    readonly dir: string,
  ) {}

  /** Where a key's recording lives: <dir>/<prompt id@version>/<provider>--<model>--<hash>.json */
  fileFor(k: CassetteKey): string {
    return join(this.dir, safe(k.promptId), `${safe(k.provider)}--${safe(k.model)}--${k.requestHash.slice(0, 32)}.json`);
  }

  /** The recorded answer for a call; in replay mode a miss throws CassetteMissError. */
  replay(provider: string, model: string, req: LlmRequest): ProviderResult {
    const key = cassetteKey(provider, model, req);
    const file = this.fileFor(key);
    let raw: string;
    try {
      raw = readFileSync(file, "utf8");
    } catch {
      throw new CassetteMissError(key, file);
    }
    let entry: CassetteEntry;
    try {
      entry = JSON.parse(raw) as CassetteEntry;
    } catch (e) {
      throw new WeirError("CONFIG_INVALID", `cassette ${file}: not valid JSON (${(e as Error).message})`, { cause: e, details: { file } });
    }
    const r = entry.response;
    if (typeof r?.text !== "string" || typeof r.usage?.inputTokens !== "number" || typeof r.usage?.outputTokens !== "number")
      throw new WeirError("CONFIG_INVALID", `cassette ${file}: response must have text (string) and usage.inputTokens/outputTokens (numbers)`, { details: { file } });
    return { text: r.text, usage: { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens } };
  }

  /** Writes a successful answer for a call (record mode). */
  record(provider: string, model: string, req: LlmRequest, response: ProviderResult): string {
    const key = cassetteKey(provider, model, req);
    const file = this.fileFor(key);
    const entry: CassetteEntry = { key, request: providerView(req), response: { text: response.text, usage: response.usage }, recordedAt: new Date().toISOString() };
    mkdirSync(join(file, ".."), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(entry, null, 2)}\n`);
    renameSync(tmp, file);
    return file;
  }
}

/**
 * The cassette WEIR_LLM_CASSETTE and WEIR_LLM_CASSETTE_DIR ask for, or undefined when off.
 * @example
 * const cassette = cassetteFromEnv({ WEIR_LLM_CASSETTE: "replay", WEIR_LLM_CASSETTE_DIR: "test/cassettes" });
 */
export function cassetteFromEnv(env: Record<string, string | undefined>): Cassette | undefined {
  const mode = (env.WEIR_LLM_CASSETTE ?? "off").trim().toLowerCase() || "off";
  if (!CASSETTE_MODES.includes(mode as CassetteMode))
    throw new WeirError("CONFIG_INVALID", `WEIR_LLM_CASSETTE: "${env.WEIR_LLM_CASSETTE}" is not one of off, record, replay`, { details: { field: "WEIR_LLM_CASSETTE", value: env.WEIR_LLM_CASSETTE } });
  if (mode === "off") return undefined;
  return new Cassette(mode as CassetteMode, env.WEIR_LLM_CASSETTE_DIR || join(process.cwd(), ".weir", "cassettes"));
}
