// The opt-in PII vault as the API sees it (agents/pii/vault.ts seals it): nothing the API returns
// or streams carries a vault — insights, conversations, WebSocket events and their catch-up are
// stripped of it — and the one way to read an original is POST /v1/vault/open, which needs the
// tenant's ordinary credential AND its vault key (WEIR_VAULT_KEYS), and is logged for audit.
import { timingSafeEqual } from "node:crypto";
import { WeirError } from "../engine/errors.ts";

/** A sealed vault's shape (`{ v: 1, alg: "A256GCM", iv, data }`). */
function isVault(v: unknown): boolean {
  return !!v && typeof v === "object" && (v as { alg?: unknown }).alg === "A256GCM" && typeof (v as { data?: unknown }).data === "string";
}

/** A copy of `value` without any sealed vault, however deep (bounded: results are a few levels). */
export function withoutVault<T>(value: T, depth = 0): T {
  if (depth > 12 || !value || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => withoutVault(v, depth + 1)) as T;
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const next = k === "vault" && isVault(v) ? undefined : withoutVault(v, depth + 1);
    if (next !== v) {
      out ??= { ...(value as Record<string, unknown>) };
      if (next === undefined) delete out[k];
      else out[k] = next;
    }
  }
  return (out ?? value) as T;
}

/** WEIR_VAULT_KEYS: `tenant:key,...` — who may open their tenant's vaults (none when unset). */
export function vaultKeys(env: Record<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (env.WEIR_VAULT_KEYS ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const i = pair.indexOf(":");
    if (i <= 0 || i === pair.length - 1) throw new WeirError("CONFIG_INVALID", "WEIR_VAULT_KEYS must be tenant:key pairs separated by commas");
    out.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return out;
}

/** Constant-time comparison of a presented vault key with the tenant's. */
export function vaultKeyMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected || !presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
