// Peer: KafkaJS 2.2 on Node (pure JavaScript). Batches of up to 10 000 (under 800 KB) per send(), acks=-1, idempotent;
// consume through eachBatch.
//   node bench/peers/kafkajs.cjs produce|consume BROKERS TOPIC COUNT SIZE|GROUP
const { Kafka, logLevel } = require("kafkajs");
const [op, brokers, topic, countArg, arg5] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING });

(async () => {
  if (op === "produce") {
    const size = Number(arg5);
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    const value = Buffer.alloc(size, "x");
    // Warm-up, as every client does: one delivered message (connection, metadata, idempotent PID).
    await p.send({ topic, acks: -1, messages: [{ value }] });
    const t0 = performance.now();
    // One send is one record batch per partition; keep it under the broker's 1 MB message limit.
    const per = Math.min(10000, Math.floor(800000 / (size + 40)));
    for (let i = 0; i < count; i += per) {
      const n = Math.min(per, count - i);
      await p.send({ topic, acks: -1, messages: Array.from({ length: n }, () => ({ value })) });
    }
    console.log(JSON.stringify({ op, msgs: count, seconds: (performance.now() - t0) / 1000 }));
    await p.disconnect();
  } else {
    const c = kafka.consumer({ groupId: arg5, maxBytes: 52428800 });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    // Timed from the first delivered batch (after the group join); that batch is not counted.
    let got = 0, t0 = 0, first = 0;
    await new Promise((resolve) => {
      c.run({ autoCommit: false, eachBatch: async ({ batch }) => {
        if (!t0) { t0 = performance.now(); first = batch.messages.length; }
        got += batch.messages.length;
        if (got >= count) resolve();
      } });
    });
    console.log(JSON.stringify({ op, msgs: got, timed: got - first, seconds: (performance.now() - t0) / 1000 }));
    await c.disconnect();
  }
  process.exit(0);
})();
