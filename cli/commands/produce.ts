// `weir produce TOPIC`: JSON lines from stdin (or --file) to a topic, in batches, with progress.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { Progress } from "../progress.ts";
import { cliTransport } from "../transport.ts";
import type { ProduceRecord } from "../../engine/kafka/types.ts";

const command: Command = {
  name: "produce",
  summary: "produce JSON lines from stdin or a file to a topic",
  help: `Usage: weir produce TOPIC [--file F] [--key FIELD] [--header k=v ...] [--brokers HOST:PORT]

Each input line is one record value. --key FIELD takes the record key from that JSON field.
Bad JSON lines are reported with their line number and skipped. Prints a summary at the end.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { file: { type: "string" }, key: { type: "string" }, header: { type: "string", multiple: true }, brokers: { type: "string" } });
    const topic = positionals[0];
    if (!topic) throw new UsageError("missing TOPIC");
    const headers = Object.fromEntries(((values.header as string[] | undefined) ?? []).map((h) => {
      const i = h.indexOf("=");
      if (i < 1) throw new UsageError(`--header expects k=v, got ${h}`);
      return [h.slice(0, i), h.slice(i + 1)];
    }));
    const t = await cliTransport(values.brokers as string | undefined);
    const producer = t.producer();
    const progress = new Progress({ label: `produce ${topic}`, unit: "records" });
    const src = values.file ? Bun.file(String(values.file)).stream() : Bun.stdin.stream();
    const dec = new TextDecoder();
    let rest = "", line = 0, sent = 0, bad = 0, failed = 0;
    let batch: ProduceRecord[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const reports = await producer.send(batch);
      failed += reports.filter((r) => r.error).length;
      sent += reports.length;
      progress.tick(reports.length);
      batch = [];
    };
    const handle = async (l: string) => {
      line++;
      if (!l.trim()) return;
      let key: string | undefined;
      try {
        const v = JSON.parse(l);
        if (values.key) key = v?.[String(values.key)] === undefined ? undefined : String(v[String(values.key)]);
      } catch {
        bad++;
        process.stderr.write(JSON.stringify({ level: "warn", module: "produce", msg: "not JSON; skipped", line }) + "\n");
        return;
      }
      batch.push({ topic, value: l, key, headers });
      if (batch.length >= 5000) await flush();
    };
    for await (const chunk of src) {
      rest += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        await handle(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
    if (rest) await handle(rest);
    await flush();
    await producer.close();
    await t.close();
    progress.finish();
    process.stdout.write(JSON.stringify({ topic, produced: sent - failed, failed, skipped: bad }) + "\n");
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
export default command;
