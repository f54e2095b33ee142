// API settings from the environment (every variable is listed in docs/api.md and env.example).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ValidationError } from "../engine/errors.ts";
import { logger } from "../engine/log.ts";
import { loadJwks, parseApiKeys, type AuthConfig } from "./auth.ts";
import { isTenant, TENANT_RULE } from "./identifiers.ts";
import { DEFAULT_JSON_LIMITS, type JsonLimits } from "./json-scan.ts";

const log = logger("api");

export interface ApiConfig {
  port: number;
  host: string;
  ingestTopic: string;
  maxBodyBytes: number;
  /** Bounds checked on the raw body before it is parsed (api/json-scan.ts). */
  json: JsonLimits;
  batchMax: number;
  rateLimit: { rps: number; burst: number };
  corsOrigins: string[];
  ws: { maxBufferedBytes: number; idleTimeoutS: number };
  auth: AuthConfig;
  /** /metrics and /dashboard/stats.json: open to anyone (WEIR_METRICS_PUBLIC=1), or to a bearer WEIR_METRICS_TOKEN. */
  metrics: { public: boolean; token?: string };
  /** Lifetime of a POST /v1/ws-ticket ticket. */
  ticketTtlMs: number;
  /** The development-only key, when no credentials are configured. */
  devKey?: string;
  /** The git-ignored file holding `devKey`, so it stays the same across restarts. */
  devKeyFile?: string;
}

export interface ApiConfigOptions {
  /**
   * Where a development key is kept (`weir run` and `bun api/main.ts`: `.weir/dev-key`, or
   * WEIR_DEV_KEY_FILE). Without it a fresh key is made per call, as tests want.
   */
  devKeyFile?: string;
  /** The address to listen on when HOST is unset (default 0.0.0.0, or 127.0.0.1 with a development key; embedded mode passes 127.0.0.1). */
  defaultHost?: string;
}

/** The development key kept in `file` (created, mode 0600, on first use). */
function devKeyFrom(file: string | undefined): string {
  if (file && existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (/^dev_[A-Za-z0-9_-]{16,}$/.test(kept)) return kept;
    log.warn("the development key file does not hold a key; writing a new one", { file });
  }
  const key = `dev_${randomBytes(18).toString("base64url")}`;
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, key + "\n", { mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (e) {
      log.warn("could not keep the development key; it will change on restart", { file, err: e });
    }
  }
  return key;
}

const num = (v: string | undefined, d: number) => (v === undefined || v === "" || Number.isNaN(Number(v)) ? d : Number(v));

export function loadApiConfig(env: Record<string, string | undefined> = process.env, opts: ApiConfigOptions = {}): ApiConfig {
  const apiKeys = parseApiKeys(env.WEIR_API_KEYS);
  const jwt: AuthConfig["jwt"] = {
    hs256Secret: env.WEIR_JWT_SECRET || undefined,
    rs256Keys: env.WEIR_JWT_JWKS_FILE ? loadJwks(env.WEIR_JWT_JWKS_FILE) : undefined,
    issuer: env.WEIR_JWT_ISSUER || undefined,
    audience: env.WEIR_JWT_AUDIENCE || undefined,
    tenantClaim: env.WEIR_JWT_TENANT_CLAIM || "tenant",
    allowNoExp: env.WEIR_JWT_ALLOW_NO_EXP === "1",
  };
  let devKey: string | undefined;
  if (env.WEIR_DEV_TENANT && !isTenant(env.WEIR_DEV_TENANT))
    throw new ValidationError("CONFIG_INVALID", "WEIR_DEV_TENANT is not a valid tenant name", [{ path: "WEIR_DEV_TENANT", message: `must be ${TENANT_RULE}` }]);
  if (!apiKeys.size && !jwt.hs256Secret && !jwt.rs256Keys) {
    devKey = devKeyFrom(opts.devKeyFile);
    apiKeys.set(devKey, env.WEIR_DEV_TENANT || "default");
    // The key itself is shown by the start-up banner (app/banner.ts), or read from the file.
    log.warn("no WEIR_API_KEYS or JWT configured: using a DEVELOPMENT-ONLY API key; never run like this in production", { tenant: env.WEIR_DEV_TENANT || "default", file: opts.devKeyFile });
  }
  return {
    port: num(env.PORT, 3000),
    // A development key guards nothing worth exposing: without real credentials, only this machine.
    host: env.HOST || opts.defaultHost || (devKey ? "127.0.0.1" : "0.0.0.0"),
    ingestTopic: env.WEIR_INGEST_TOPIC || "support.messages",
    maxBodyBytes: num(env.WEIR_MAX_BODY_BYTES, 1_048_576),
    json: {
      maxDepth: num(env.WEIR_JSON_MAX_DEPTH, DEFAULT_JSON_LIMITS.maxDepth),
      maxMembers: num(env.WEIR_JSON_MAX_MEMBERS, Math.max(DEFAULT_JSON_LIMITS.maxMembers, num(env.WEIR_BATCH_MAX, 500))),
      maxValues: num(env.WEIR_JSON_MAX_VALUES, DEFAULT_JSON_LIMITS.maxValues),
      maxStringLength: DEFAULT_JSON_LIMITS.maxStringLength,
    },
    batchMax: num(env.WEIR_BATCH_MAX, 500),
    rateLimit: { rps: num(env.WEIR_RATE_LIMIT_RPS, 100), burst: num(env.WEIR_RATE_LIMIT_BURST, 200) },
    corsOrigins: (env.WEIR_CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ws: { maxBufferedBytes: num(env.WEIR_WS_MAX_BUFFERED_BYTES, 1_048_576), idleTimeoutS: num(env.WEIR_WS_IDLE_TIMEOUT_S, 60) },
    auth: { apiKeys, jwt },
    metrics: { public: env.WEIR_METRICS_PUBLIC === "1", token: env.WEIR_METRICS_TOKEN || undefined },
    ticketTtlMs: num(env.WEIR_WS_TICKET_TTL_S, 60) * 1000,
    devKey,
    devKeyFile: devKey ? opts.devKeyFile : undefined,
  };
}
