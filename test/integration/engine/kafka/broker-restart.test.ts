// A broker that stops and comes back mid-stream: the clients report errors and reconnect, never
// crash, and no acknowledged message is lost. Uses a second, private broker so that stopping it
// cannot disturb the shared one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKafkaTransport } from "../../../../engine/kafka/index.ts";
import type { KafkaError } from "../../../../engine/errors.ts";
import { text, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";
import { privateBroker } from "../../../helpers/private-broker.ts";
import { message, readResults, TEST_AGENTS, testTopology } from "../../../helpers/pipeline.ts";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";

const PORT = process.env.WEIR_TEST_KAFKA_RESTART_PORT ?? "19192";
const restartable = privateBroker(PORT);
const broker = (cmd: "start" | "stop" | "reset") => restartable[cmd]();

beforeAll(() => broker("start"));
afterAll(() => broker("reset"));

describe("broker restart", () => {
  test("no acknowledged message is lost across a broker stop and restart", async () => {
    const t = createKafkaTransport({ brokers: `127.0.0.1:${PORT}`, config: { "reconnect.backoff.max.ms": 500 } });
    const topic = uniqueTopic("restart");
    const admin = t.admin();
    await admin.createTopics([{ topic, partitions: 2 }]);
    const p = t.producer({ config: { "message.timeout.ms": 60_000 } });
    const errors: KafkaError[] = [];
    (p as unknown as { onError(fn: (e: KafkaError) => void): void }).onError((e) => errors.push(e));
    const acked = new Set<string>();
    let seq = 0;
    let producing = true;
    const sends: Promise<void>[] = [];
    const loop = (async () => {
      while (producing) {
        const batch = Array.from({ length: 50 }, () => ({ topic, key: `k${seq % 7}`, value: `m${seq++}` }));
        sends.push(p.send(batch).then((reports) => reports.forEach((r, i) => !r.error && acked.add(batch[i].value))));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(() => acked.size >= 500, "acknowledgements before the stop");
    broker("stop");
    await waitFor(() => errors.length > 0, "the producer to notice the broker is gone", 30_000);
    const duringOutage = seq;
    broker("start");
    await waitFor(() => acked.size >= duringOutage + 200, "acknowledgements after the restart", 90_000);
    producing = false;
    await loop;
    await Promise.all(sends);
    await p.flush();
    expect(errors.some((e) => ["_TRANSPORT", "_ALL_BROKERS_DOWN"].includes(e.kafkaName))).toBe(true);

    const c = t.consumer({ groupId: `g-${topic}` });
    c.subscribe([topic]);
    const seen = new Set<string>();
    await waitFor(async () => {
      for (const m of await c.consume(5000, 200)) seen.add(text(m.value)!);
      return [...acked].every((v) => seen.has(v));
    }, `all ${acked.size} acknowledged messages to be readable`, 60_000);
    expect([...acked].filter((v) => !seen.has(v))).toEqual([]);
    await c.close();
    await p.close();
    await t.close();
  }, 180_000);

  test("a pipeline rides out a broker stop and restart: every input ends with a final result", async () => {
    const t = createKafkaTransport({ brokers: `127.0.0.1:${PORT}`, config: { "reconnect.backoff.max.ms": 500 } });
    const base = uniqueTopic("pipe-restart");
    const names = { in: `${base}.in`, out: `${base}.out`, dlq: `${base}.dlq` };
    const topo = testTopology(base.replace(/\./g, "-"), { ...names, concurrency: 8 });
    const pipeline = new Pipeline({ topology: topo, transport: t, agents: TEST_AGENTS, commitIntervalMs: 200 });
    await pipeline.start();
    const p = t.producer({ config: { "message.timeout.ms": 120_000 } });
    const sent: string[] = [];
    let i = 0;
    let producing = true;
    const sends: Promise<unknown>[] = [];
    const loop = (async () => {
      while (producing) {
        const batch = Array.from({ length: 10 }, () => message(i++, `c${i % 5}`));
        sends.push(p.send(batch.map((m) => ({ topic: names.in, key: m.conversationId, value: JSON.stringify(m) }))).then((reports) => reports.forEach((r, k) => !r.error && sent.push(batch[k].id))));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitFor(() => pipeline.stats.results >= 100, "results before the stop", 60_000);
    broker("stop");
    await new Promise((r) => setTimeout(r, 3000));
    broker("start");
    await waitFor(() => sent.length >= i - 10 && pipeline.stats.results >= sent.length, "results after the restart", 120_000);
    producing = false;
    await loop;
    await Promise.all(sends);
    const reader = t.consumer({ groupId: `r-${base}`, config: { "auto.offset.reset": "earliest" } });
    reader.subscribe([names.out]);
    const finals = new Set<string>();
    await waitFor(async () => {
      for (const r of await readResults(reader, 0, 500)) if (r.status === "final") finals.add(r.messageId);
      return sent.every((id) => finals.has(id));
    }, `a final result for each of the ${sent.length} acknowledged inputs`, 120_000);
    expect(sent.filter((id) => !finals.has(id))).toEqual([]);
    await reader.close();
    await p.close();
    await pipeline.stop();
    await t.close();
  }, 300_000);
});
