import { describe, expect, test } from "bun:test";
import { assertRole, forAdmin, forConsumer, forProducer } from "../../../../engine/kafka/client-config.ts";
import { ValidationError } from "../../../../engine/errors.ts";

// Shared settings as an operator would write them: common, consumer-only and producer-only keys mixed.
const shared = { "bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "session.timeout.ms": 6000, "group.instance.id": "w1", "linger.ms": 5, acks: "all", "transactional.id": "tx" };

describe("which client gets which property", () => {
  test("consumers get common and consumer-only keys", () => {
    expect(forConsumer(shared)).toEqual({ "bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "session.timeout.ms": 6000, "group.instance.id": "w1" });
  });
  test("producers get common and producer-only keys", () => {
    expect(forProducer(shared)).toEqual({ "bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "linger.ms": 5, acks: "all", "transactional.id": "tx" });
  });
  test("admin clients get only common keys", () => {
    expect(forAdmin(shared)).toEqual({ "bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL" });
  });
  test("empty config stays empty", () => {
    expect(forConsumer({})).toEqual({});
    expect(forProducer({})).toEqual({});
  });
  test("assertRole accepts common and own keys, rejects the other role's keys naming source and key", () => {
    expect(() => assertRole({ "client.id": "x", "fetch.min.bytes": 1 }, "consumer", "S")).not.toThrow();
    expect(() => assertRole({ "client.id": "x", "linger.ms": 1 }, "producer", "S")).not.toThrow();
    try {
      assertRole({ "client.id": "x", "auto.offset.reset": "latest" }, "producer", "producerConfig");
      throw new Error("should have thrown");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(["producerConfig.auto.offset.reset"]);
      expect((e as ValidationError).message).toContain("producerConfig: auto.offset.reset is a consumer-only property");
    }
  });
});
