// A broker that stops and comes back mid-stream: the clients report errors and reconnect, never
// crash, and no acknowledged message is lost. Uses a second, private broker so that stopping it
// cannot disturb the shared one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { createKafkaTransport } from "../../../../engine/kafka/index.ts";
import type { KafkaError } from "../../../../engine/errors.ts";
import { text, uniqueTopic } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";

const PORT = process.env.WEIR_TEST_KAFKA_RESTART_PORT ?? "19192";
const env = { ...process.env, WEIR_KAFKA_PORT: PORT, WEIR_KAFKA_CONTROLLER_PORT: String(Number(PORT) + 1) };
const script = resolve(import.meta.dir, "../../../../scripts/kafka/broker.sh");
const broker = (cmd: string) => {
  const r = Bun.spawnSync(["bash", script, cmd], { env, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && cmd !== "stop") throw new Error(`broker ${cmd} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
};

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
});
