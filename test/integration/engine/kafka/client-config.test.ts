// Shared settings reach each kind of client only where librdkafka understands them: a consumer-only
// property in the transport's shared config (WEIR_KAFKA_CONFIG) gives a producer no "is a consumer
// property and will be ignored" warning, and still reaches consumers. Logs are captured from the sink.
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createKafkaTransport } from "../../../../engine/kafka/index.ts";
import { kafkaFromEnv } from "../../../../engine/kafka/env.ts";
import { setLogSink } from "../../../../engine/log.ts";
import { BROKERS, uniqueTopic, consumeN, text } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";

let lines: string[] = [];
let prev: ReturnType<typeof setLogSink> | null = null;
beforeEach(() => {
  lines = [];
  prev = setLogSink((line) => void lines.push(line));
});
afterEach(() => {
  if (prev) setLogSink(prev);
});

const ignoredWarnings = () => lines.filter((l) => /will be ignored/.test(l));
const env = kafkaFromEnv({
  KAFKA_BROKERS: BROKERS,
  WEIR_KAFKA_CONFIG: JSON.stringify({ "client.id": "weir-cfg-test", "session.timeout.ms": 7000, "heartbeat.interval.ms": 2000, "enable.auto.commit": false, "linger.ms": 1 }),
})!;
const t = createKafkaTransport(env);
afterAll(() => t.close());

describe("per-client Kafka configuration", () => {
  test("a producer given consumer-only properties directly warns (the capture sees librdkafka's warnings)", async () => {
    // The control: proves that the warning reaches the captured log when a consumer key does reach a producer.
    const p = t.producer({ config: { "session.timeout.ms": 7000 } });
    await p.produce({ topic: uniqueTopic("cfg-control"), value: "x" });
    await waitFor(() => ignoredWarnings().length > 0, "librdkafka's 'will be ignored' warning", 10_000);
    await p.close();
    expect(ignoredWarnings().join("\n")).toContain("session.timeout.ms");
  }, 30_000);

  test("consumer-only keys in the shared config reach consumers, not producers or admin clients", async () => {
    const topic = uniqueTopic("cfg");
    await t.admin().createTopics([{ topic, partitions: 1 }]);
    const p = t.producer();
    await p.produce({ topic, key: "order-1001", value: JSON.stringify({ status: "shipped" }) });
    const c = t.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    const got = await consumeN(c, 1);
    expect(got.map((m) => text(m.value))).toEqual([JSON.stringify({ status: "shipped" })]);
    // Each client has served its event queue since it was created (the message went through):
    // librdkafka's configuration warnings come out on creation, so they would be in `lines` by now.
    await p.close();
    await c.close();
    expect(ignoredWarnings()).toEqual([]);
  }, 60_000);

  test("a group.protocol=consumer (KIP-848) consumer is created without weir's classic-only defaults and consumes", async () => {
    const topic = uniqueTopic("kip848");
    await t.admin().createTopics([{ topic, partitions: 2 }]);
    const p = t.producer();
    await p.send([0, 1].map((partition) => ({ topic, partition, key: `ticket-${partition}`, value: JSON.stringify({ priority: "high" }) })));
    // Were weir's classic defaults (partition.assignment.strategy...) passed on, rd_kafka_new would refuse it.
    const t848 = createKafkaTransport({ brokers: BROKERS, consumerConfig: { "group.protocol": "consumer", "group.remote.assignor": "range" } });
    const c = t848.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    const got = await consumeN(c, 2, 60_000);
    expect(got.map((m) => text(m.key)).sort()).toEqual(["ticket-0", "ticket-1"]);
    expect(c.assignment().map((x) => x.partition).sort()).toEqual([0, 1]);
    await c.close();
    await p.close();
    await t848.close();
  }, 90_000);
});
