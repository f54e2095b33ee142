// Kafka settings from the environment, shared by `weir run`, the CLI tools and the API:
//   KAFKA_BROKERS            bootstrap servers, e.g. "broker1:9092,broker2:9092" (unset = embedded mode)
//   WEIR_KAFKA_CONFIG        extra librdkafka properties as JSON, e.g. '{"security.protocol":"SASL_SSL"}'
//   WEIR_KAFKA_CONFIG_FILE   the same as a Java-style .properties file (key=value lines, # comments)
import { readFileSync } from "node:fs";
import { ValidationError } from "../errors.ts";
import type { KafkaConfig } from "./types.ts";

export interface KafkaEnv {
  brokers: string;
  config: KafkaConfig;
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

/** Kafka connection settings from the environment, or null when KAFKA_BROKERS is unset (embedded mode). */
export function kafkaFromEnv(env: Record<string, string | undefined> = process.env): KafkaEnv | null {
  const brokers = env.KAFKA_BROKERS?.trim();
  if (!brokers) return null;
  let config: KafkaConfig = {};
  if (env.WEIR_KAFKA_CONFIG_FILE) config = { ...config, ...parseProperties(readFileSync(env.WEIR_KAFKA_CONFIG_FILE, "utf8"), env.WEIR_KAFKA_CONFIG_FILE) };
  if (env.WEIR_KAFKA_CONFIG) {
    try {
      config = { ...config, ...(JSON.parse(env.WEIR_KAFKA_CONFIG) as KafkaConfig) };
    } catch (e) {
      throw new ValidationError("CONFIG_INVALID", "WEIR_KAFKA_CONFIG is not valid JSON", [{ path: "WEIR_KAFKA_CONFIG", message: (e as Error).message, expected: 'a JSON object such as {"security.protocol":"SASL_SSL"}' }]);
    }
  }
  return { brokers, config };
}
