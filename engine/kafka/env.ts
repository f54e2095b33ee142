// Kafka settings from the environment, shared by `weir run`, the CLI tools and the API:
//   KAFKA_BROKERS                       bootstrap servers, e.g. "broker1:9092,broker2:9092" (unset = embedded mode)
//   WEIR_KAFKA_CONFIG                   librdkafka properties for every client, as JSON, e.g. '{"security.protocol":"SASL_SSL"}';
//                                       a consumer-only key reaches only consumers, a producer-only key only producers
//   WEIR_KAFKA_CONFIG_FILE              the same as a Java-style .properties file (key=value lines, # comments)
//   WEIR_KAFKA_CONSUMER_CONFIG[_FILE]   properties for consumers only (override the shared ones)
//   WEIR_KAFKA_PRODUCER_CONFIG[_FILE]   properties for producers only (override the shared ones)
// A file is read first and the JSON variable overrides it, key by key. A consumer-only key in a
// producer variable (or the reverse) is an error naming the variable and the key, never dropped.
import { readFileSync } from "node:fs";
import { ValidationError } from "../errors.ts";
import { assertRole, type ClientRole } from "./client-config.ts";
import type { KafkaConfig } from "./types.ts";

export interface KafkaEnv {
  brokers: string;
  /** For every client (WEIR_KAFKA_CONFIG[_FILE]); the transport keeps each kind's own keys away from the other. */
  config: KafkaConfig;
  /** For consumers only (WEIR_KAFKA_CONSUMER_CONFIG[_FILE]). */
  consumerConfig: KafkaConfig;
  /** For producers only (WEIR_KAFKA_PRODUCER_CONFIG[_FILE]). */
  producerConfig: KafkaConfig;
}

export function parseProperties(text: string, file: string): KafkaConfig {
  const out: KafkaConfig = {};
  const issues: ValidationError["issues"] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) return;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) issues.push({ path: line, message: "expected key=value", file, line: i + 1, column: 1 });
    else out[m[1]] = m[2];
  });
  if (issues.length) throw new ValidationError("CONFIG_INVALID", `invalid properties file ${file}`, issues);
  return out;
}

function parseJson(name: string, text: string): KafkaConfig {
  const invalid = (message: string) =>
    new ValidationError("CONFIG_INVALID", `${name} is not a JSON object of librdkafka properties`, [{ path: name, message, expected: 'a JSON object such as {"security.protocol":"SASL_SSL"}' }]);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw invalid(`got ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`);
  for (const [k, x] of Object.entries(v)) if (!["string", "number", "boolean"].includes(typeof x)) throw invalid(`${k}: a ${x === null ? "null" : typeof x} value`);
  return v as KafkaConfig;
}

/** `<prefix>_FILE` then `<prefix>` (JSON), merged key by key; {} when neither is set. Each checked against `role`. */
function readVariables(env: Record<string, string | undefined>, prefix: string, role?: ClientRole): KafkaConfig {
  const file = env[`${prefix}_FILE`];
  const json = env[prefix];
  const fromFile = file ? parseProperties(readFileSync(file, "utf8"), file) : {};
  const fromJson = json ? parseJson(prefix, json) : {};
  if (role) {
    assertRole(fromFile, role, `${prefix}_FILE (${file})`);
    assertRole(fromJson, role, prefix);
  }
  return { ...fromFile, ...fromJson };
}

/** Kafka connection settings from the environment, or null when KAFKA_BROKERS is unset (embedded mode). */
export function kafkaFromEnv(env: Record<string, string | undefined> = process.env): KafkaEnv | null {
  const brokers = env.KAFKA_BROKERS?.trim();
  if (!brokers) return null;
  return {
    brokers,
    config: readVariables(env, "WEIR_KAFKA_CONFIG"),
    consumerConfig: readVariables(env, "WEIR_KAFKA_CONSUMER_CONFIG", "consumer"),
    producerConfig: readVariables(env, "WEIR_KAFKA_PRODUCER_CONFIG", "producer"),
  };
}
