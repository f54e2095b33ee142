// The Kafka Streams peer writes counts with Serdes.Long() (8 bytes, big-endian); the bench must
// read them back exactly, and anything else as a wrong count.
import { describe, expect, test } from "bun:test";
import { KafkaStreamsApp } from "../../../../bench/streams/kafka-streams-app.ts";

const app = new KafkaStreamsApp({ brokers: "127.0.0.1:9092", input: "i", output: "o", applicationId: "a", stateDir: "/nonexistent", guarantee: "at_least_once", commitIntervalMs: 1000, logFile: "/dev/null" });

describe("KafkaStreamsApp.decode", () => {
  test("reads a big-endian 64-bit count", () => {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigInt64(0, 123_456_789n);
    expect(app.decode(v)).toBe(123_456_789);
    expect(app.decode(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]))).toBe(1);
  });
  test("a value that is not 8 bytes, or none, is NaN", () => {
    expect(app.decode(null)).toBeNaN();
    expect(app.decode(new TextEncoder().encode("12"))).toBeNaN();
  });
});
