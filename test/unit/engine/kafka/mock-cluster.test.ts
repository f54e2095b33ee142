// Fast checks with no broker at all: librdkafka's built-in mock cluster (test.mock.num.brokers)
// behind the same client. Real-broker behaviour is covered in test/integration/engine/kafka.
import { describe, expect, test } from "bun:test";
import { createKafkaTransport, librdkafkaInfo } from "../../../../engine/kafka/index.ts";


describe("librdkafka over bun:ffi (mock cluster)", () => {
  test("the library is found and is at least 2.10", () => {
    const info = librdkafkaInfo();
    expect(["LIBRDKAFKA_PATH", "system", "vendor"]).toContain(info.source);
    expect(info.versionInt).toBeGreaterThanOrEqual(0x020a0000);
  });

  test("produce with keys and headers to the mock cluster and get delivery reports", async () => {
    const t = createKafkaTransport({ brokers: "", config: { "test.mock.num.brokers": 1 } });
    const topic = "mock-topic";
    const p = t.producer();
    const reports = await p.send([
      { topic, key: "a", value: "one", headers: { h: "1" } },
      { topic, key: "b", value: "two" },
    ]);
    expect(reports.map((r) => [r.topic, r.error, r.offset >= 0])).toEqual([
      [topic, undefined, true],
      [topic, undefined, true],
    ]);
    await p.close();
    await t.close();
  });

  test("an empty batch resolves at once and sends nothing", async () => {
    const t = createKafkaTransport({ brokers: "", config: { "test.mock.num.brokers": 1 } });
    const p = t.producer();
    expect(await p.send([])).toEqual([]);
    expect(p.inFlight()).toBe(0);
    await p.close();
    await t.close();
  });
});

