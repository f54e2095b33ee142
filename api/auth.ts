// Who is calling, and for which tenant. `Authorization: Bearer <token>` where the token is an API
// key (WEIR_API_KEYS="tenant:key,...") or a JWT (HS256 with WEIR_JWT_SECRET, RS256 with keys from
// the JWKS file WEIR_JWT_JWKS_FILE). The tenant is the only scope: every query is filtered by it,
// so a tenant name is checked against api/identifiers.ts wherever it comes from. A JWT must carry
// a numeric `exp` (unless WEIR_JWT_ALLOW_NO_EXP=1), a numeric `nbf` when it has one, and, for
// RS256, a `kid` the JWKS holds.
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ValidationError, WeirError } from "../engine/errors.ts";
import { isTenant, TENANT_RULE } from "./identifiers.ts";

export interface AuthConfig {
  /** API key → tenant. */
  apiKeys: Map<string, string>;
  jwt?: {
    hs256Secret?: string;
    /** kid → RSA public key (from a JWKS file). */
    rs256Keys?: Map<string, KeyObject>;
    issuer?: string;
    audience?: string;
    /** Claim naming the tenant, default "tenant". */
    tenantClaim?: string;
    /** Accept tokens without `exp` (WEIR_JWT_ALLOW_NO_EXP=1). Off by default: such a token never expires. */
    allowNoExp?: boolean;
  };
}

export interface Principal {
  tenant: string;
  via: "api-key" | "jwt" | "ticket";
  subject?: string;
}

/** "acme:k1,globex:k2" → key → tenant. A tenant name that breaks the rule is a configuration error (the key is never quoted). */
export function parseApiKeys(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const bad: Array<{ path: string; message: string }> = [];
  (s ?? "").split(",").forEach((part, index) => {
    const i = part.indexOf(":");
    if (i <= 0) return;
    const tenant = part.slice(0, i).trim();
    const key = part.slice(i + 1).trim();
    if (!tenant || !key) return;
    if (!isTenant(tenant)) bad.push({ path: `WEIR_API_KEYS[${index}]`, message: `tenant name must be ${TENANT_RULE}` });
    else out.set(key, tenant);
  });
  if (bad.length) throw new ValidationError("CONFIG_INVALID", "WEIR_API_KEYS has invalid tenant names", bad);
  return out;
}

/** Reads a JWKS file ({"keys":[{kty:"RSA", kid, n, e}, ...]}). */
export function loadJwks(file: string): Map<string, KeyObject> {
  const jwks = JSON.parse(readFileSync(file, "utf8")) as { keys: Array<Record<string, unknown>> };
  const out = new Map<string, KeyObject>();
  for (const k of jwks.keys ?? []) if (k.kty === "RSA") out.set(String(k.kid ?? ""), createPublicKey({ key: k as never, format: "jwk" }));
  return out;
}

const unauthorized = (msg: string) => new WeirError("UNAUTHORIZED", msg);
const b64url = (s: string) => Buffer.from(s, "base64url");

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Authenticates an `Authorization` header value; throws UNAUTHORIZED. */
export function authenticate(cfg: AuthConfig, header: string | null | undefined, nowMs: number): Principal {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) throw unauthorized("missing bearer token");
  const token = m[1].trim();
  if (token.split(".").length === 3 && cfg.jwt) return verifyJwt(cfg.jwt, token, nowMs);
  for (const [key, tenant] of cfg.apiKeys) if (safeEqual(key, token)) return { tenant, via: "api-key" };
  throw unauthorized("unknown API key or token");
}

function verifyJwt(cfg: NonNullable<AuthConfig["jwt"]>, token: string, nowMs: number): Principal {
  const [h, p, s] = token.split(".");
  let header: { alg?: string; kid?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(b64url(h).toString("utf8"));
    claims = JSON.parse(b64url(p).toString("utf8"));
  } catch {
    throw unauthorized("malformed JWT");
  }
  const data = `${h}.${p}`;
  if (header.alg === "HS256" && cfg.hs256Secret) {
    const want = createHmac("sha256", cfg.hs256Secret).update(data).digest("base64url");
    if (!safeEqual(want, s)) throw unauthorized("bad JWT signature");
  } else if (header.alg === "RS256" && cfg.rs256Keys?.size) {
    // Only the key the token names: a token without `kid` matches only a JWKS key without one.
    const key = cfg.rs256Keys.get(typeof header.kid === "string" ? header.kid : "");
    if (!key) throw unauthorized("JWT key id not known");
    if (!verify("RSA-SHA256", Buffer.from(data), key, b64url(s))) throw unauthorized("bad JWT signature");
  } else throw unauthorized("JWT algorithm not accepted");
  const now = nowMs / 1000;
  const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (claims.exp === undefined) {
    if (!cfg.allowNoExp) throw unauthorized("JWT has no exp claim");
  } else if (!isTime(claims.exp)) throw unauthorized("JWT exp claim is not a number");
  else if (now >= claims.exp) throw unauthorized("JWT expired");
  if (claims.nbf !== undefined && !isTime(claims.nbf)) throw unauthorized("JWT nbf claim is not a number");
  if (isTime(claims.nbf) && now < claims.nbf) throw unauthorized("JWT not yet valid");
  if (cfg.issuer && claims.iss !== cfg.issuer) throw unauthorized("JWT issuer not accepted");
  if (cfg.audience && !(Array.isArray(claims.aud) ? claims.aud.includes(cfg.audience) : claims.aud === cfg.audience)) throw unauthorized("JWT audience not accepted");
  const tenant = claims[cfg.tenantClaim ?? "tenant"];
  if (typeof tenant !== "string" || !tenant) throw unauthorized(`JWT has no "${cfg.tenantClaim ?? "tenant"}" claim`);
  if (!isTenant(tenant)) throw unauthorized(`JWT "${cfg.tenantClaim ?? "tenant"}" claim is not a valid tenant name`);
  return { tenant, via: "jwt", subject: typeof claims.sub === "string" ? claims.sub : undefined };
}

/** Signs an HS256 JWT (tests, development tooling). */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const data = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  return `${data}.${createHmac("sha256", secret).update(data).digest("base64url")}`;
}
