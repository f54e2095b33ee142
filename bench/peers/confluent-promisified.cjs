// Peer: @confluentinc/kafka-javascript's promisified, KafkaJS-compatible API on Node: send() of
// batches of 10 000 with up to 20 in flight (as weir's side does), consume through eachBatch.
// run.ts runs it next to the node-rdkafka-style API (confluent.cjs) and keeps the faster of the two.
//   node bench/peers/confluent-promisified.cjs produce|consume BROKERS TOPIC COUNT SIZE|GROUP [key=value...]
const { Kafka } = require("@confluentinc/kafka-javascript").KafkaJS;
const [op, brokers, topic, countArg, arg5, ...extra] = process.argv.slice(2);
const count = Number(countArg);
const config = Object.fromEntries(extra.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const kafka = new Kafka({ "bootstrap.servers": brokers, log_level: 3 });

(async () => {
  if (op === "produce") {
    const size = Number(arg5);
    const p = kafka.producer({ ...config });
    await p.connect();
    const value = Buffer.alloc(size, "x");
    // Warm-up, as every client does: one delivered message (connection, metadata, idempotent PID).
    await p.send({ topic, messages: [{ value }] });
    const BATCH = 10000;
    const t0 = performance.now();
    const inflight = [];
    for (let i = 0; i < count; i += BATCH) {
      const n = Math.min(BATCH, count - i);
      inflight.push(p.send({ topic, messages: Array.from({ length: n }, () => ({ value })) }));
      if (inflight.length >= 20) await inflight.shift();
    }
    await Promise.all(inflight);
    console.log(JSON.stringify({ op, msgs: count, seconds: (performance.now() - t0) / 1000 }));
    await p.disconnect();
  } else {
    const c = kafka.consumer({ "group.id": arg5, ...config });
    await c.connect();
    await c.subscribe({ topics: [topic] });
    // Timed from the first delivered batch (after the group join); that batch is not counted.
    let got = 0, t0 = 0, first = 0;
    await new Promise((resolve) => {
      c.run({ eachBatch: async ({ batch }) => {
        if (!t0) { t0 = performance.now(); first = batch.messages.length; }
        got += batch.messages.length;
        if (got >= count) resolve();
      } });
    });
    console.log(JSON.stringify({ op, msgs: got, timed: got - first, seconds: (performance.now() - t0) / 1000 }));
    await c.disconnect();
  }
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
