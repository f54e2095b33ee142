// `weir tail TOPIC`: prints records as JSON lines (key, value, headers, partition, offset).
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { cliTransport } from "../transport.ts";

const dec = new TextDecoder();
const command: Command = {
  name: "tail",
  summary: "print records of a topic as JSON lines",
  help: `Usage: weir tail TOPIC [--from-beginning] [--group G] [--max N] [--idle-ms N] [--brokers HOST:PORT]

Without --group a throwaway group is used and nothing is committed. --max stops after N records;
--idle-ms stops after that long without a record (default: run until interrupted).`,
  async run(argv) {
    const { values, positionals } = parse(argv, { "from-beginning": { type: "boolean" }, group: { type: "string" }, max: { type: "string" }, "idle-ms": { type: "string" }, brokers: { type: "string" } });
    const topic = positionals[0];
    if (!topic) throw new UsageError("missing TOPIC");
    const max = values.max ? Number(values.max) : Infinity;
    const idle = values["idle-ms"] ? Number(values["idle-ms"]) : Infinity;
    const t = await cliTransport(values.brokers as string | undefined);
    const c = t.consumer({ groupId: (values.group as string | undefined) ?? `weir-tail-${crypto.randomUUID().slice(0, 8)}`, config: { "auto.offset.reset": values["from-beginning"] ? "earliest" : "latest" } });
    c.subscribe([topic]);
    let n = 0;
    let last = Date.now();
    let stop = false;
    process.once("SIGINT", () => (stop = true));
    while (!stop && n < max && Date.now() - last < idle) {
      const batch = await c.consume(Math.min(1000, max - n), 200);
      if (batch.length) last = Date.now();
      for (const m of batch) {
        const text = m.value ? dec.decode(m.value) : null;
        let value: unknown = text;
        try {
          value = text === null ? null : JSON.parse(text);
        } catch {
          /* not JSON: print as a string */
        }
        process.stdout.write(JSON.stringify({ partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key ? dec.decode(m.key) : null, headers: Object.fromEntries(m.headers.map(([k, v]) => [k, dec.decode(v)])), value }) + "\n");
        if (++n >= max) break;
      }
      if (values.group && batch.length) await c.commit();
    }
    await c.close();
    await t.close();
    return stop ? EXIT.INTERRUPTED : EXIT.OK;
  },
};
export default command;
