// The opt-in vault: the original of a redacted record, AES-256-GCM-encrypted with WebCrypto under a
// key from the environment. The ciphertext is bound to the message (tenant and id are the
// additional authenticated data), so a vault cannot be moved to another message and opened there.
// Sinks persist it with the record; the API must never return it (docs/security.md).
import { Type, type Static } from "@sinclair/typebox";
import { WeirError } from "../../engine/errors.ts";

export const Vault = Type.Object(
  {
    v: Type.Literal(1),
    alg: Type.Literal("A256GCM"),
    /** base64 of the 12-byte nonce. */
    iv: Type.String(),
    /** base64 of ciphertext and tag. */
    data: Type.String(),
  },
  { additionalProperties: false },
);
export type Vault = Static<typeof Vault>;

const keys = new Map<string, Promise<CryptoKey>>();

/** Decodes a key given as 64 hex digits or base64 of 32 bytes. */
export function decodeVaultKey(raw: string): Uint8Array<ArrayBuffer> | null {
  const s = raw.trim();
  const b = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, "hex") : Buffer.from(s, "base64");
  return b.length === 32 ? new Uint8Array(b) : null;
}

/** The key named by `env:NAME`; CONFIG_INVALID (not retriable) when unset or not 32 bytes. */
function keyFor(ref: string): Promise<CryptoKey> {
  const name = ref.replace(/^env:/, "");
  const raw = process.env[name];
  const cacheKey = `${name}\u0000${raw ?? ""}`;
  let k = keys.get(cacheKey);
  if (!k) {
    if (!raw) throw new WeirError("CONFIG_INVALID", `pii keepOriginal: ${name} is not set`);
    const bytes = decodeVaultKey(raw);
    if (!bytes) throw new WeirError("CONFIG_INVALID", `pii keepOriginal: ${name} must be 32 bytes, as 64 hex digits or base64`);
    k = crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(cacheKey, k);
  }
  return k;
}

const aad = (tenant: string, id: string) => new TextEncoder().encode(`weir-vault:v1\u0000${tenant}\u0000${id}`);

/** Encrypts `original` (any JSON value) for the message `tenant`/`id`. */
export async function seal(original: unknown, ref: string, tenant: string, id: string): Promise<Vault> {
  const key = await keyFor(ref);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(tenant, id) }, key, new TextEncoder().encode(JSON.stringify(original)));
  return { v: 1, alg: "A256GCM", iv: Buffer.from(iv).toString("base64"), data: Buffer.from(data).toString("base64") };
}

/** Decrypts a vault sealed for `tenant`/`id`; throws when the key, message or ciphertext does not match. */
export async function open(vault: Vault, ref: string, tenant: string, id: string): Promise<unknown> {
  const key = await keyFor(ref);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: Buffer.from(vault.iv, "base64"), additionalData: aad(tenant, id) }, key, Buffer.from(vault.data, "base64"));
    return JSON.parse(new TextDecoder().decode(plain));
  } catch (e) {
    throw new WeirError("VALIDATION_FAILED", "vault cannot be opened with this key for this message", { cause: e });
  }
}
