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
      if (i % 100_000 === 0) produced.push(rss());
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
      if (got - lastSample >= 100_000) {
        lastSample = got;
        consumed.push(rss());
      }
    }
    expect(got).toBe(N);
    await c.close();
    await p.close();
    await admin.deleteTopics([topic]);
    // RSS is noisy (GC timing, allocator pages, the consumer's bounded prefetch queue), so each
    // phase compares the peak of its second half with the peak of its first half: a leak keeps
    // raising the peak, noise does not. A leak of 64 bytes per message would add 64 MB over the
    // million messages of a second half.
    const growth = (samples: number[]) => {
      const half = Math.floor(samples.length / 2);
      return (Math.max(...samples.slice(half)) - Math.max(...samples.slice(0, half))) / MB;
    };
    const all = [...produced, ...consumed];
    const report = { messages: N, produceGrowthMb: Math.round(growth(produced)), consumeGrowthMb: Math.round(growth(consumed)), peakMb: Math.round(Math.max(...all) / MB) };
    console.log(JSON.stringify({ test: "memory", ...report, samplesMb: { produced: produced.map((x) => Math.round(x / MB)), consumed: consumed.map((x) => Math.round(x / MB)) } }));
    expect(report.produceGrowthMb).toBeLessThan(64);
    expect(report.consumeGrowthMb).toBeLessThan(64);
    expect(report.peakMb).toBeLessThan(512);
  }, 240_000);
});
