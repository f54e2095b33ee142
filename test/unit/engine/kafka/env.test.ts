import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kafkaFromEnv, parseProperties } from "../../../../engine/kafka/env.ts";
import { ValidationError } from "../../../../engine/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "weir-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const thrown = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (e) {
    return e as ValidationError;
  }
  throw new Error("should have thrown");
};

describe("kafkaFromEnv", () => {
  test("no KAFKA_BROKERS means embedded mode", () => {
    expect(kafkaFromEnv({})).toBeNull();
    expect(kafkaFromEnv({ KAFKA_BROKERS: "  " })).toBeNull();
  });
  test("brokers plus JSON config; no per-role variables means empty per-role config", () => {
    expect(kafkaFromEnv({ KAFKA_BROKERS: "a:9092,b:9092", WEIR_KAFKA_CONFIG: '{"security.protocol":"SASL_SSL","linger.ms":10}' })).toEqual({
      brokers: "a:9092,b:9092",
      config: { "security.protocol": "SASL_SSL", "linger.ms": 10 },
      consumerConfig: {},
      producerConfig: {},
    });
  });
  test("bad JSON names the variable", () => {
    expect(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_CONFIG: "{nope" })).toThrow(ValidationError);
    expect(thrown(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_PRODUCER_CONFIG: "{nope" })).issues[0].path).toBe("WEIR_KAFKA_PRODUCER_CONFIG");
  });
  test("JSON that is not an object of scalars is rejected, naming the variable", () => {
    for (const bad of ["[1]", "null", '"x"', '{"acks":{"n":1}}']) {
      const e = thrown(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_CONSUMER_CONFIG: bad }));
      expect(e.code).toBe("CONFIG_INVALID");
      expect(e.issues[0].path).toBe("WEIR_KAFKA_CONSUMER_CONFIG");
    }
  });
  test("consumer and producer variables are kept apart from the shared config; JSON overrides its file key by key", () => {
    const env = kafkaFromEnv({
      KAFKA_BROKERS: "a:9092",
      WEIR_KAFKA_CONFIG: '{"client.id":"svc","session.timeout.ms":9000}',
      WEIR_KAFKA_CONSUMER_CONFIG_FILE: file("c.properties", "# consumers\nfetch.min.bytes=1\nmax.poll.interval.ms=60000\n"),
      WEIR_KAFKA_CONSUMER_CONFIG: '{"max.poll.interval.ms":120000}',
      WEIR_KAFKA_PRODUCER_CONFIG: '{"linger.ms":5,"compression.type":"lz4"}',
    });
    expect(env).toEqual({
      brokers: "a:9092",
      config: { "client.id": "svc", "session.timeout.ms": 9000 },
      consumerConfig: { "fetch.min.bytes": "1", "max.poll.interval.ms": 120000 },
      producerConfig: { "linger.ms": 5, "compression.type": "lz4" },
    });
  });
  test("a consumer-only key for producers is an error naming the variable and the key", () => {
    const e = thrown(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_PRODUCER_CONFIG: '{"linger.ms":5,"session.timeout.ms":6000,"group.id":"g"}' }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toContain("WEIR_KAFKA_PRODUCER_CONFIG");
    expect(e.issues.map((i) => i.path)).toEqual(["WEIR_KAFKA_PRODUCER_CONFIG.session.timeout.ms", "WEIR_KAFKA_PRODUCER_CONFIG.group.id"]);
  });
  test("a producer-only key for consumers is an error, and one in a file names the file variable", () => {
    const e = thrown(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_CONSUMER_CONFIG: '{"acks":"all"}' }));
    expect(e.issues.map((i) => i.path)).toEqual(["WEIR_KAFKA_CONSUMER_CONFIG.acks"]);
    const f = file("p.properties", "enable.auto.commit=false\n");
    const e2 = thrown(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_PRODUCER_CONFIG_FILE: f }));
    expect(e2.message).toContain(`WEIR_KAFKA_PRODUCER_CONFIG_FILE (${f})`);
    expect(e2.message).toContain("enable.auto.commit");
  });
  test("properties files: comments, both separators, and the line of a bad entry", () => {
    expect(parseProperties("# c\nsasl.mechanism=PLAIN\n\nsasl.username: bob\n", "k.properties")).toEqual({ "sasl.mechanism": "PLAIN", "sasl.username": "bob" });
    try {
      parseProperties("a=1\nbroken line\n", "k.properties");
      throw new Error("should have thrown");
    } catch (e) {
      expect((e as ValidationError).issues).toEqual([{ path: "broken line", message: "expected key=value", file: "k.properties", line: 2, column: 1 }]);
    }
  });
});
