// One LLM provider behind the gateway: a structured-output call and the mapping of its errors onto
// weir's codes. The official SDKs are used with their own retries off: the gateway owns retries.
import type { TSchema } from "@sinclair/typebox";
import { WeirError } from "../../engine/errors.ts";
import type { LlmRequest, LlmUsage } from "./types.ts";

export interface ProviderResult {
  text: string;
  usage: LlmUsage;
}

export interface Provider {
  readonly name: string;
  complete(req: LlmRequest, model: string, signal?: AbortSignal): Promise<ProviderResult>;
}

/** A plain JSON schema from a TypeBox one: no symbols or $id, objects closed and fully required (OpenAI strict mode). */
export function jsonSchema(schema: TSchema, strict = false): Record<string, unknown> {
  const walk = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(walk);
    if (!s || typeof s !== "object") return s;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) if (k !== "$id" && k !== "default") out[k] = walk(v);
    if (strict && out.type === "object" && out.properties) {
      out.additionalProperties = false;
      out.required = Object.keys(out.properties as object);
    }
    if (strict && out.type === "array" && (out.minItems !== undefined || out.maxItems !== undefined)) {
      delete out.minItems;
      delete out.maxItems;
    }
    return out;
  };
  return JSON.parse(JSON.stringify(walk(schema))) as Record<string, unknown>;
}

/** Maps an SDK error (status, headers) onto a WeirError the gateway can act on. */
export function providerError(provider: string, e: unknown): WeirError {
  if (e instanceof WeirError) return e;
  const err = e as { status?: number; headers?: Headers | Record<string, string>; message?: string; name?: string };
  const status = err.status;
  const header = (h: string) => (err.headers instanceof Headers ? err.headers.get(h) : (err.headers as Record<string, string> | undefined)?.[h]) ?? null;
  const retryAfter = header("retry-after");
  const retryAfterMs = retryAfter ? (Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : Math.max(0, Date.parse(retryAfter) - Date.now())) : undefined;
  const msg = `${provider}: ${err.message ?? String(e)}`;
  if (status === 429) return new WeirError("LLM_RATE_LIMITED", msg, { retriable: true, cause: e, details: { provider, status, retryAfterMs } });
  if (status === 401 || status === 403) return new WeirError("LLM_AUTH", msg, { retriable: false, cause: e, details: { provider, status } });
  if (status !== undefined && status >= 500) return new WeirError("LLM_UNAVAILABLE", msg, { retriable: true, cause: e, details: { provider, status } });
  if (status !== undefined && status >= 400) return new WeirError("LLM_BAD_OUTPUT", msg, { retriable: false, cause: e, details: { provider, status } });
  if (/timeout|timed out|abort/i.test(`${err.name} ${err.message}`)) return new WeirError("LLM_TIMEOUT", msg, { retriable: true, cause: e, details: { provider } });
  return new WeirError("LLM_UNAVAILABLE", msg, { retriable: true, cause: e, details: { provider } });
}
