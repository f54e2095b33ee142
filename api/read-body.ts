// Reads a JSON request body under the API's limits, cheapest check first, so no body costs more
// than its size allows: media type (415), declared length (413), streamed length (413, the stream
// is cancelled at the limit), shape bounds from one scan of the text (400, api/json-scan.ts), and
// only then JSON.parse. Error bodies name the reason, never the body's content.
import { ValidationError, WeirError } from "../engine/errors.ts";
import { scanJson, type JsonLimits } from "./json-scan.ts";

export interface BodyLimits {
  maxBodyBytes: number;
  json: JsonLimits;
}

/** `application/json` or `application/<x>+json`, any case, with parameters (charset must be UTF-8 when given). */
export function isJsonContentType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";");
  const t = type.trim().toLowerCase();
  if (t !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(t)) return false;
  for (const p of params) {
    const [k, v] = p.split("=");
    if (k.trim().toLowerCase() === "charset" && !/^"?utf-8"?$/i.test((v ?? "").trim())) return false;
  }
  return true;
}

export const tooLarge = (limit: number) => new WeirError("PAYLOAD_TOO_LARGE", `body exceeds the limit of ${limit} bytes`, { details: { limitBytes: limit } });

/** Reads at most `limit` bytes; throws PAYLOAD_TOO_LARGE (and cancels the stream) beyond. */
async function readCapped(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.byteLength));
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The parsed JSON body of `request`, or a WeirError: UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE or
 * VALIDATION_FAILED.
 * @example
 * const value = await readJsonBody(request, { maxBodyBytes: 1_048_576, json: DEFAULT_JSON_LIMITS });
 */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  if (!isJsonContentType(request.headers.get("content-type")))
    throw new WeirError("UNSUPPORTED_MEDIA_TYPE", "body must be JSON (Content-Type: application/json)");
  const declared = request.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= limits.maxBodyBytes)) throw tooLarge(limits.maxBodyBytes);
  const bytes = await readCapped(request, limits.maxBodyBytes);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new ValidationError("VALIDATION_FAILED", "body is not valid JSON", [{ path: "/", message: "not valid UTF-8" }]);
  }
  const issue = scanJson(text, limits.json);
  if (issue) throw new ValidationError("VALIDATION_FAILED", "body is too complex", [issue]);
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the offending token, which may be part of a message: not echoed.
    throw new ValidationError("VALIDATION_FAILED", "body is not valid JSON", [{ path: "/", message: "not valid JSON" }]);
  }
}
