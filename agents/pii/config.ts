// The pii agent's `config` in a topology: redaction mode, what happens to metadata, and the opt-in
// to keep the original encrypted. One TypeBox schema: `weir validate` checks it at load, and the
// agent checks it again on use (a builder-made topology skips the loader).
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { ValidationError } from "../../engine/errors.ts";

export const PiiConfig = Type.Object(
  {
    /** How findings are replaced (agents/pii/redaction.ts). */
    mode: Type.Optional(Type.Union([Type.Literal("tag"), Type.Literal("mask"), Type.Literal("hash")], { default: "tag" })),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    /** `redact`: every string (and number, and key) in metadata is scanned and redacted; `drop`: metadata is removed. */
    metadata: Type.Optional(Type.Union([Type.Literal("redact"), Type.Literal("drop")], { default: "redact" })),
    /** Field names removed wherever they appear in metadata, at any depth (e.g. [password, dob]). */
    drop: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
    /**
     * Opt-in: keep the original text, channel and metadata AES-256-GCM-encrypted in the record's `vault`
     * field under the key in `vault` (`env:NAME`; base64 or hex of 32 bytes). Off by default.
     */
    keepOriginal: Type.Optional(Type.Object({ vault: Type.String({ pattern: "^env:[A-Za-z_][A-Za-z0-9_]*$" }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type PiiConfig = Required<Omit<Static<typeof PiiConfig>, "keepOriginal">> & Pick<Static<typeof PiiConfig>, "keepOriginal">;

const check = TypeCompiler.Compile(PiiConfig);
const parsed = new WeakMap<object, PiiConfig>();

/** Problems with a pii config, as `{ path, message }` (empty when valid). */
export function piiConfigIssues(config: unknown): Array<{ path: string; message: string }> {
  return [...check.Errors(config ?? {})].map((e) => ({ path: e.path || "/", message: e.message }));
}

/** The config with defaults filled in; throws CONFIG_INVALID (not retriable) when it does not match. */
export function parsePiiConfig(config: unknown): PiiConfig {
  const raw = (config ?? {}) as object;
  const hit = parsed.get(raw);
  if (hit) return hit;
  const issues = piiConfigIssues(raw);
  if (issues.length) throw new ValidationError("CONFIG_INVALID", `pii config: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
  const value = Value.Default(PiiConfig, structuredClone(raw)) as PiiConfig;
  parsed.set(raw, value);
  return value;
}
