import { describe, expect, test } from "bun:test";
import { kafkaFromEnv, parseProperties } from "../../../../engine/kafka/env.ts";
import { ValidationError } from "../../../../engine/errors.ts";

describe("kafkaFromEnv", () => {
  test("no KAFKA_BROKERS means embedded mode", () => {
    expect(kafkaFromEnv({})).toBeNull();
    expect(kafkaFromEnv({ KAFKA_BROKERS: "  " })).toBeNull();
  });
  test("brokers plus JSON config", () => {
    expect(kafkaFromEnv({ KAFKA_BROKERS: "a:9092,b:9092", WEIR_KAFKA_CONFIG: '{"security.protocol":"SASL_SSL","linger.ms":10}' })).toEqual({
      brokers: "a:9092,b:9092",
      config: { "security.protocol": "SASL_SSL", "linger.ms": 10 },
    });
  });
  test("bad JSON names the variable", () => {
    expect(() => kafkaFromEnv({ KAFKA_BROKERS: "a:9092", WEIR_KAFKA_CONFIG: "{nope" })).toThrow(ValidationError);
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
