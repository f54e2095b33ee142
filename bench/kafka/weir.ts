// weir's side of the Kafka bench: the librdkafka client on Bun through bun:ffi.
//   bun bench/kafka/weir.ts produce BROKERS TOPIC COUNT SIZE [key=value...]
//   bun bench/kafka/weir.ts consume BROKERS TOPIC COUNT GROUP [key=value...]
// The key=value librdkafka properties are the ones run.ts hands every librdkafka-based client alike.
// Prints one JSON line like the C loop: {"op","msgs","seconds"}.
import { createKafkaTransport } from "../../engine/kafka/index.ts";

const [op, brokers, topic, countArg, arg5, ...extra] = process.argv.slice(2);
const count = Number(countArg);
const config = Object.fromEntries(extra.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const t = createKafkaTransport({ brokers });

if (op === "produce") {
  const size = Number(arg5);
  const p = t.producer({ config });
  const value = new Uint8Array(size).fill(120);
  const BATCH = 10_000;
  // Warm-up, as every client does: one delivered message (connection, metadata, idempotent PID).
  await p.send([{ topic, value }]);
  const t0 = performance.now();
  const inflight: Promise<unknown>[] = [];
  let failed = 0;
  for (let i = 0; i < count; i += BATCH) {
    const n = Math.min(BATCH, count - i);
    const records = new Array(n);
    for (let j = 0; j < n; j++) records[j] = { topic, value };
    inflight.push(p.send(records).then((r) => (failed += r.filter((x) => x.error).length)));
    // Bound what is queued in JS; librdkafka bounds its own queue (queue.buffering.max.*).
    if (inflight.length >= 20) await inflight.shift();
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ op, msgs: count - failed, failed, seconds }));
  await p.close();
} else {
  const c = t.consumer({ groupId: arg5, config });
  c.subscribe([topic]);
  // Timed from the first delivered batch (after the group join); that batch is not counted.
  let got = 0;
  let first = 0;
  let t0 = 0;
  while (got < count) {
    const batch = await c.consume(10_000, 1000);
    if (batch.length && !t0) {
      t0 = performance.now();
      first = batch.length;
    }
    got += batch.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ op, msgs: got, timed: got - first, seconds }));
  await c.close();
}
await t.close();
