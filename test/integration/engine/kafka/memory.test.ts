// Memory stays bounded over millions of messages: every librdkafka message and event is freed,
// and the JS side keeps no per-message bookkeeping after delivery.
import { afterAll, describe, expect, test } from "bun:test";
import { kafka, uniqueTopic } from "../../../helpers/kafka.ts";

const t = kafka();
afterAll(async () => {
  await t.close();
});

const MB = 1024 * 1024;
const rss = () => {
  Bun.gc(true);
  return process.memoryUsage().rss;
};

describe("memory", () => {
  test("RSS stays bounded while producing and consuming 2 million messages", async () => {
    const N = Number(process.env.WEIR_MEMORY_TEST_MESSAGES ?? 2_000_000);
    const topic = uniqueTopic("memory");
    const admin = t.admin();
    await admin.createTopics([{ topic, partitions: 2 }]);
    const p = t.producer();
    const value = new Uint8Array(100).fill(97);
    const B = 10_000;
    const produced: number[] = [];
    const consumed: number[] = [];
    let pending: Promise<unknown>[] = [];
    for (let i = 0; i < N; i += B) {
      pending.push(p.send(Array.from({ length: B }, (_, j) => ({ topic, key: `k${j & 63}`, value, headers: { n: String(i + j) } }))));
      if (pending.length >= 10) {
        await Promise.all(pending);
        pending = [];
      }
      if (i % 200_000 === 0) produced.push(rss());
    }
    await Promise.all(pending);
    await p.flush();
    expect(p.inFlight()).toBe(0);

    // A small prefetch queue keeps the consumer's legitimate buffer out of the leak measurement.
    const c = t.consumer({ groupId: `g-${topic}`, config: { "queued.max.messages.kbytes": 16384 } });
    c.subscribe([topic]);
    let got = 0;
    let lastSample = 0;
    const deadline = Date.now() + 120_000;
    while (got < N && Date.now() < deadline) {
      got += (await c.consume(10_000, 200)).length;
      if (got - lastSample >= 200_000) {
        lastSample = got;
        consumed.push(rss());
      }
    }
    expect(got).toBe(N);
    await c.close();
    await p.close();
    await admin.deleteTopics([topic]);
    // Each phase is judged on its own after warm-up (the first 30% of its samples): the consumer's
    // prefetch queue (queued.max.messages.kbytes) fills once and then stays. Leaking even 50 bytes
    // per message would add ~70 MB over the remaining 1.4 M messages of a phase.
    const growth = (samples: number[]) => {
      const rest = samples.slice(Math.floor(samples.length * 0.3));
      return (Math.max(...rest) - rest[0]) / MB;
    };
    const report = { messages: N, produceGrowthMb: Math.round(growth(produced)), consumeGrowthMb: Math.round(growth(consumed)), endMb: Math.round(consumed.at(-1)! / MB) };
    console.log(JSON.stringify({ test: "memory", ...report }));
    expect(report.produceGrowthMb).toBeLessThan(48);
    expect(report.consumeGrowthMb).toBeLessThan(48);
  }, 240_000);
});
