// Topic administration (create, delete, describe, list) over librdkafka's Admin API. Results
// arrive as events on a private queue that is polled without blocking the event loop.
import { WeirError } from "../errors.ts";
import { KafkaClient, sleep } from "./client.ts";
import { readMetadata, readTopicResults } from "./codec.ts";
import { errstrBuffer } from "./config.ts";
import { kafkaError } from "./kafka-error.ts";
import { rdk, z, ERR, RD_KAFKA_PRODUCER, type Ptr } from "./native.ts";
import type { Admin, KafkaConfig, TopicDescription, TopicSpec } from "./types.ts";

const ADMIN_OP_ANY = 0;

export class LibrdkafkaAdmin extends KafkaClient implements Admin {
  private readonly mainQueue: Ptr;
  private readonly idleTimer: ReturnType<typeof setInterval>;

  constructor(config: KafkaConfig) {
    super("admin", RD_KAFKA_PRODUCER, config, 0);
    this.mainQueue = rdk().rd_kafka_queue_get_main(this.rk)!;
    this.idleTimer = setInterval(() => this.serveMain(), 250);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private serveMain() {
    if (this.closed) return;
    const f = rdk();
    for (let ev = f.rd_kafka_queue_poll(this.mainQueue, 0); ev; ev = f.rd_kafka_queue_poll(this.mainQueue, 0)) this.handleEvent(ev);
  }

  /** Runs one admin request whose result event lands on a private queue. */
  private async request(op: string, timeoutMs: number, start: (options: Ptr, queue: Ptr) => void): Promise<Array<{ topic: string; err: number; message: string }>> {
    this.assertOpen(op);
    const f = rdk();
    const q = f.rd_kafka_queue_new(this.rk)!;
    const options = f.rd_kafka_AdminOptions_new(this.rk, ADMIN_OP_ANY)!;
    const errstr = errstrBuffer();
    f.rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, errstr, errstr.length);
    f.rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, errstr, errstr.length);
    try {
      start(options, q);
      const deadline = Date.now() + timeoutMs + 5_000;
      let wait = 1;
      for (;;) {
        const ev = f.rd_kafka_queue_poll(q, 0);
        if (ev) {
          try {
            const code = f.rd_kafka_event_error(ev);
            if (code) throw kafkaError(code, op, { message: String(f.rd_kafka_event_error_string(ev)) });
            const buf = new Uint8Array(64 * 1024);
            const used = new BigInt64Array(1);
            const n = f.weir_topic_results(ev, buf, buf.length, used);
            return readTopicResults(buf.subarray(0, Number(used[0])), n);
          } finally {
            f.rd_kafka_event_destroy(ev);
          }
        }
        if (Date.now() > deadline) throw new WeirError("KAFKA_TIMEOUT", `${op}: no result within ${timeoutMs} ms`, { retriable: true });
        this.serveMain();
        await sleep(wait);
        wait = Math.min(wait * 2, 20);
      }
    } finally {
      f.rd_kafka_AdminOptions_destroy(options);
      f.rd_kafka_queue_destroy(q);
    }
  }

  async createTopics(all: TopicSpec[], timeoutMs = 30_000): Promise<void> {
    // One spec per topic, the first given: librdkafka refuses a request naming a topic twice (a
    // topology whose topic sink writes back to its own source does) with a result that has no
    // per-topic entries, which crashed the process here.
    const specs = all.filter((s, i) => all.findIndex((o) => o.topic === s.topic) === i);
    if (!specs.length) return;
    const f = rdk();
    const handles: Ptr[] = [];
    const errstr = errstrBuffer();
    try {
      for (const s of specs) {
        const h = f.rd_kafka_NewTopic_new(z(s.topic) as unknown as string, s.partitions ?? 1, s.replicationFactor ?? -1, errstr, errstr.length);
        if (!h) throw new WeirError("CONFIG_INVALID", `createTopics ${s.topic}: ${Buffer.from(errstr).toString("utf8").replace(/\0.*$/s, "")}`);
        handles.push(h);
        for (const [k, v] of Object.entries(s.config ?? {})) {
          const e = f.rd_kafka_NewTopic_set_config(h, z(k) as unknown as string, z(v) as unknown as string);
          if (e) throw kafkaError(e, `createTopics ${s.topic} config ${k}`);
        }
      }
      const arr = new BigUint64Array(handles.map((h) => BigInt(h as unknown as number)));
      const results = await this.request("createTopics", timeoutMs, (o, q) => f.rd_kafka_CreateTopics(this.rk, arr, handles.length, o, q));
      const failed = results.filter((r) => r.err && r.err !== ERR.TOPIC_ALREADY_EXISTS);
      if (failed.length) throw kafkaError(failed[0].err, `createTopics ${failed[0].topic}`, { message: failed[0].message, details: { failed } });
    } finally {
      for (const h of handles) f.rd_kafka_NewTopic_destroy(h);
    }
  }

  async deleteTopics(topics: string[], timeoutMs = 30_000): Promise<void> {
    if (!topics.length) return;
    const f = rdk();
    const handles = topics.map((t) => f.rd_kafka_DeleteTopic_new(z(t) as unknown as string)!);
    try {
      const arr = new BigUint64Array(handles.map((h) => BigInt(h as unknown as number)));
      const results = await this.request("deleteTopics", timeoutMs, (o, q) => f.rd_kafka_DeleteTopics(this.rk, arr, handles.length, o, q));
      const failed = results.filter((r) => r.err && r.err !== ERR.UNKNOWN_TOPIC_OR_PART);
      if (failed.length) throw kafkaError(failed[0].err, `deleteTopics ${failed[0].topic}`, { message: failed[0].message, details: { failed } });
    } finally {
      for (const h of handles) f.rd_kafka_DeleteTopic_destroy(h);
    }
  }

  private metadata(topic: string | null, timeoutMs: number) {
    const f = rdk();
    let cap = 256 * 1024;
    for (;;) {
      const buf = new Uint8Array(cap);
      const err = new Int32Array(1);
      const n = Number(f.weir_metadata(this.rk, (topic ? z(topic) : z("")) as unknown as string, timeoutMs, buf, cap, err));
      if (err[0]) throw kafkaError(err[0], `metadata${topic ? " " + topic : ""}`);
      if (n < 0) {
        cap = -n + 1024;
        continue;
      }
      return readMetadata(buf.subarray(0, n));
    }
  }

  async describeTopics(topics: string[], timeoutMs = 10_000): Promise<TopicDescription[]> {
    return topics.map((t) => {
      const md = this.metadata(t, timeoutMs).topics.find((x) => x.topic === t);
      if (!md || md.err) {
        return { topic: t, partitions: [], error: kafkaError(md?.err ?? ERR.UNKNOWN_TOPIC_OR_PART, `describe ${t}`) };
      }
      return { topic: t, partitions: md.partitions.map(({ partition, leader, replicas, isr }) => ({ partition, leader, replicas, isr })) };
    });
  }

  async listTopics(timeoutMs = 10_000): Promise<string[]> {
    return this.metadata(null, timeoutMs)
      .topics.filter((t) => !t.err)
      .map((t) => t.topic)
      .sort();
  }

  /** Broker list; used by health checks. */
  brokers(timeoutMs = 5_000) {
    return this.metadata(null, timeoutMs).brokers;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    const f = rdk();
    f.rd_kafka_queue_destroy(this.mainQueue);
    f.rd_kafka_destroy(this.rk);
  }
}
