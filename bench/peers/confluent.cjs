// Peer: @confluentinc/kafka-javascript 1.10 (the design card's client) on Node, node-rdkafka-style
// API, which is its fastest: produce() per message into librdkafka's queue, delivery reports via
// poll, and consume(n) batches. Same librdkafka settings as weir and the C loop.
//   node bench/peers/confluent.cjs produce|consume BROKERS TOPIC COUNT SIZE|GROUP [key=value...]
// The key=value librdkafka properties are the ones run.ts hands every librdkafka-based client alike.
const Kafka = require("@confluentinc/kafka-javascript");
const [op, brokers, topic, countArg, arg5, ...extra] = process.argv.slice(2);
const count = Number(countArg);
const config = Object.fromEntries(extra.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

if (op === "produce") {
  const size = Number(arg5);
  const p = new Kafka.Producer({
    "bootstrap.servers": brokers, "enable.idempotence": true, "linger.ms": 5, "queue.buffering.max.messages": 500000,
    "queue.buffering.max.kbytes": 1048576, "batch.num.messages": 10000, ...config, dr_cb: true,
  });
  const value = Buffer.alloc(size, "x");
  let delivered = 0, failed = 0, t0 = 0, sent = 0, warm = false;
  p.setPollInterval(5);
  p.on("delivery-report", (err) => {
    // Warm-up, as every client does: one delivered message (connection, metadata, idempotent PID).
    if (!warm) { warm = true; if (err) throw err; return start(); }
    if (err) failed++; else delivered++;
    if (delivered + failed === count) done();
  });
  p.on("ready", () => p.produce(topic, null, value));
  const start = () => {
    t0 = performance.now();
    const pump = () => {
      while (sent < count) {
        try { p.produce(topic, null, value); sent++; }
        catch (e) { if (e.code === Kafka.CODES.ERRORS.ERR__QUEUE_FULL) { p.poll(); return setImmediate(pump); } throw e; }
      }
    };
    pump();
  };
  function done() {
    console.log(JSON.stringify({ op, msgs: delivered, failed, seconds: (performance.now() - t0) / 1000 }));
    p.disconnect(() => process.exit(0));
  }
  p.connect();
} else {
  const c = new Kafka.KafkaConsumer({
    "bootstrap.servers": brokers, "group.id": arg5, "enable.auto.commit": false, "queued.min.messages": 1000000,
    "queued.max.messages.kbytes": 65536, "fetch.wait.max.ms": 100, ...config,
  }, { "auto.offset.reset": "earliest" });
  // Timed from the first delivered batch (after the group join); that batch is not counted.
  let got = 0, t0 = 0, first = 0;
  c.on("ready", () => {
    c.subscribe([topic]);
    const loop = () => c.consume(10000, (err, msgs) => {
      if (err) return setImmediate(loop);
      if (msgs.length && !t0) { t0 = performance.now(); first = msgs.length; }
      got += msgs.length;
      if (got >= count) {
        console.log(JSON.stringify({ op, msgs: got, timed: got - first, seconds: (performance.now() - t0) / 1000 }));
        return c.disconnect(() => process.exit(0));
      }
      setImmediate(loop);
    });
    loop();
  });
  c.connect();
}
