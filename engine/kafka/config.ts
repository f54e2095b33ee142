// Builds an rd_kafka_conf_t from weir's options, reporting every bad key at once.
import { ValidationError, type FieldIssue } from "../errors.ts";
import { rdk, z, type Ptr } from "./native.ts";
import type { KafkaConfig } from "./types.ts";

const ERRSTR = 512;

/** Returns a conf handle; on any unknown or invalid property, destroys it and throws naming each key. */
export function buildConf(config: KafkaConfig): Ptr {
  const f = rdk();
  const conf = f.rd_kafka_conf_new()!;
  const errstr = new Uint8Array(ERRSTR);
  const issues: FieldIssue[] = [];
  for (const [key, raw] of Object.entries(config)) {
    if (raw === undefined || raw === null) continue;
    const value = String(raw);
    errstr.fill(0);
    const res = f.rd_kafka_conf_set(conf, z(key) as unknown as string, z(value) as unknown as string, errstr, ERRSTR);
    if (res !== 0) {
      const msg = Buffer.from(errstr.subarray(0, errstr.indexOf(0))).toString("utf8");
      issues.push({ path: key, message: msg || (res === -2 ? "unknown configuration property" : "invalid value"), expected: res === -2 ? "a librdkafka configuration property (see CONFIGURATION.md)" : undefined });
    }
  }
  if (issues.length) {
    f.rd_kafka_conf_destroy(conf);
    throw new ValidationError("CONFIG_INVALID", `invalid Kafka configuration: ${issues.map((i) => `${i.path} (${i.message})`).join("; ")}`, issues);
  }
  return conf;
}

export function errstrBuffer() {
  return new Uint8Array(ERRSTR);
}
export function errstrText(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString("utf8");
}
