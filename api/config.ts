// API settings from the environment (every variable is listed in docs/api.md and .env.example).
import { randomBytes } from "node:crypto";
import { logger } from "../engine/log.ts";
import { loadJwks, parseApiKeys, type AuthConfig } from "./auth.ts";

const log = logger("api");

export interface ApiConfig {
  port: number;
  host: string;
  ingestTopic: string;
  maxBodyBytes: number;
  batchMax: number;
  rateLimit: { rps: number; burst: number };
  corsOrigins: string[];
  ws: { maxBufferedBytes: number; idleTimeoutS: number };
  auth: AuthConfig;
  /** True when the API key was generated at start-up (development only). */
  devKey?: string;
}

const num = (v: string | undefined, d: number) => (v === undefined || v === "" || Number.isNaN(Number(v)) ? d : Number(v));

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const apiKeys = parseApiKeys(env.WEIR_API_KEYS);
  const jwt: AuthConfig["jwt"] = {
    hs256Secret: env.WEIR_JWT_SECRET || undefined,
    rs256Keys: env.WEIR_JWT_JWKS_FILE ? loadJwks(env.WEIR_JWT_JWKS_FILE) : undefined,
    issuer: env.WEIR_JWT_ISSUER || undefined,
    audience: env.WEIR_JWT_AUDIENCE || undefined,
    tenantClaim: env.WEIR_JWT_TENANT_CLAIM || "tenant",
  };
  let devKey: string | undefined;
  if (!apiKeys.size && !jwt.hs256Secret && !jwt.rs256Keys) {
    devKey = `dev_${randomBytes(18).toString("base64url")}`;
    apiKeys.set(devKey, env.WEIR_DEV_TENANT || "default");
    log.warn("no WEIR_API_KEYS or JWT configured: generated a DEVELOPMENT-ONLY API key; never run like this in production", { tenant: env.WEIR_DEV_TENANT || "default" });
    process.stdout.write(`weir api development key (tenant "${env.WEIR_DEV_TENANT || "default"}"): ${devKey}\n`);
  }
  return {
    port: num(env.PORT, 3000),
    host: env.HOST || "0.0.0.0",
    ingestTopic: env.WEIR_INGEST_TOPIC || "support.messages",
    maxBodyBytes: num(env.WEIR_MAX_BODY_BYTES, 1_048_576),
    batchMax: num(env.WEIR_BATCH_MAX, 500),
    rateLimit: { rps: num(env.WEIR_RATE_LIMIT_RPS, 100), burst: num(env.WEIR_RATE_LIMIT_BURST, 200) },
    corsOrigins: (env.WEIR_CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ws: { maxBufferedBytes: num(env.WEIR_WS_MAX_BUFFERED_BYTES, 1_048_576), idleTimeoutS: num(env.WEIR_WS_IDLE_TIMEOUT_S, 60) },
    auth: { apiKeys, jwt },
    devKey,
  };
}
