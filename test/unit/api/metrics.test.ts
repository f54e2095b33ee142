import { describe, expect, test } from "bun:test";
import { metricsRoute, recordLibrdkafkaStats } from "../../../api/routes/metrics.ts";
import { metrics } from "../../../engine/observability/metrics.ts";

describe("/metrics", () => {
  test("serves the registry in Prometheus text format", async () => {
    metrics.counter("weir_test_events_total", "test counter").inc({ topic: "a" }, 3);
    const res = await metricsRoute.handle(new Request("http://weir.local/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const body = await res.text();
    expect(body).toContain("# TYPE weir_test_events_total counter");
    expect(body).toContain('weir_test_events_total{topic="a"} 3');
    expect(body).toMatch(/weir_process_resident_memory_bytes \d+/);
  });
  test("librdkafka statistics become gauges", async () => {
    recordLibrdkafkaStats({ name: "c1", txmsgs: 10, rxmsgs: 20, msg_cnt: 1, brokers: { "b1": { rtt: { avg: 2500 } } }, topics: { t: { partitions: { "0": { consumer_lag: 7 }, "-1": { consumer_lag: -1 } } } } });
    const body = await (await metricsRoute.handle(new Request("http://weir.local/metrics"))).text();
    expect(body).toContain('weir_kafka_consumer_lag{client="c1",partition="0",topic="t"} 7');
    expect(body).toContain('weir_kafka_broker_rtt_avg_seconds{broker="b1",client="c1"} 0.0025');
  });
});
