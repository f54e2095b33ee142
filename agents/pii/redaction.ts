// How a finding is replaced: `tag` gives `[EMAIL]`, `mask` keeps the length with `*`, `hash` gives
// `<EMAIL:16 hex>`, a keyed HMAC-SHA256 of the value, so equal values can be correlated without the
// value being recoverable. An unkeyed hash would not do: card numbers, SSNs and phone numbers come
// from spaces small enough to enumerate, so anyone holding the hash could recover the number.
import { createHmac, randomBytes } from "node:crypto";
import { logger } from "../../engine/log.ts";
import { recognize, type Finding, type PiiType } from "./recognizers.ts";

export type RedactionMode = "mask" | "hash" | "tag";

/** The environment variable holding the HMAC key for `hash` mode (any string; 32+ random bytes recommended). */
export const HASH_KEY_ENV = "WEIR_PII_HASH_KEY";

let processKey: Buffer | null = null;
/**
 * The HMAC key: WEIR_PII_HASH_KEY, or, when it is unset, a random key made once per process (with
 * one warning). Hashes are then stable only within the process: the same value hashes differently
 * after a restart and in another stage's process, but can never be reversed.
 */
export function hashKey(): string | Buffer {
  const k = process.env[HASH_KEY_ENV];
  if (k) return k;
  if (!processKey) {
    processKey = randomBytes(32);
    logger("pii").warn(`${HASH_KEY_ENV} is not set: hash redaction uses a random per-process key, so hashes do not match across restarts or processes`);
  }
  return processKey;
}

/** The keyed hash of one value of a type (the type is part of the MAC, so an email and a name never share one). */
export function keyedHash(type: PiiType, value: string, key: string | Buffer = hashKey()): string {
  return createHmac("sha256", key).update(`${type}\u0000${value}`).digest("hex").slice(0, 16);
}

/** What replaces `value` (a finding of `type`) in the given mode. */
export function replacement(type: PiiType, value: string, mode: RedactionMode, key?: string | Buffer): string {
  const T = type.toUpperCase();
  return mode === "mask" ? "*".repeat(value.length) : mode === "hash" ? `<${T}:${keyedHash(type, value, key)}>` : `[${T}]`;
}

/**
 * Replaces each finding (sorted, not overlapping, as `recognize` returns them) in `text`.
 * @example redact("mail a@b.co", recognize("mail a@b.co"), "tag") // "mail [EMAIL]"
 */
export function redact(text: string, findings: Finding[], mode: RedactionMode = "tag", key?: string | Buffer): string {
  let out = "";
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + replacement(f.type, text.slice(f.start, f.end), mode, key);
    at = f.end;
  }
  return out + text.slice(at);
}

/** Redacts a text in one call (the log redactor uses this). */
export function redactText(text: string, mode: RedactionMode = "tag"): string {
  if (text.length < 6) return text;
  // Loopback and unspecified addresses are not personal data (server URLs in logs).
  const findings = recognize(text, 0.8).filter((f) => !(f.type === "ip" && /^(127\.|0\.0\.0\.0$|::1?$)/.test(text.slice(f.start, f.end))));
  return redact(text, findings, mode);
}
