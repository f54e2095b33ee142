// `weir replay`: reprocesses a range of a topic (from offsets or a timestamp) into another topic,
// unchanged or through a topology's operators, with a progress bar (rate and ETA).
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { Progress } from "../progress.ts";
import { cliTransport } from "../transport.ts";

const command: Command = {
  name: "replay",
  summary: "copy a topic range (offsets or from a time) into a new topic, with progress",
  help: `Usage: weir replay --from-topic T --to-topic U [--from-offset N | --since ISO_TIME] [--until-offset N] [--brokers HOST:PORT]

Reads every partition of T from --from-offset (default 0) or from the first record at or after
--since, up to the end as it is when the replay starts (or --until-offset), and produces each
record (key, value, headers) to U. Re-run a topology over U to reprocess history.`,
  async run(argv) {
    const { values } = parse(argv, { "from-topic": { type: "string" }, "to-topic": { type: "string" }, "from-offset": { type: "string" }, since: { type: "string" }, "until-offset": { type: "string" }, brokers: { type: "string" } });
    const from = values["from-topic"] as string | undefined;
    const to = values["to-topic"] as string | undefined;
    if (!from || !to) throw new UsageError("--from-topic and --to-topic are required");
    const since = values.since ? Date.parse(String(values.since)) : undefined;
    if (values.since && Number.isNaN(since)) throw new UsageError(`--since is not a time: ${values.since}`);
    const t = await cliTransport(values.brokers as string | undefined);
    const admin = t.admin();
    const [desc] = await admin.describeTopics([from]);
    if (desc.error) throw desc.error;
    await admin.createTopics([{ topic: to, partitions: desc.partitions.length }]);
    await admin.close();
    // Partition EOF ends a partition whose last offsets are transaction markers (never delivered).
    const c = t.consumer({ groupId: `weir-replay-${crypto.randomUUID().slice(0, 8)}`, config: { "enable.partition.eof": true } });
    const p = t.producer();
    const ends = new Map<number, number>();
    const starts: Array<{ topic: string; partition: number; offset: number }> = [];
    let total = 0;
    for (const { partition } of desc.partitions) {
      const wm = await c.watermarks(from, partition);
      const end = values["until-offset"] ? Math.min(wm.high, Number(values["until-offset"])) : wm.high;
      const start = Math.max(wm.low, Number(values["from-offset"] ?? 0));
      if (end > start) {
        ends.set(partition, end);
        starts.push({ topic: from, partition, offset: start });
        total += end - start;
      }
    }
    const progress = new Progress({ label: `replay ${from} → ${to}`, total, unit: "records" });
    c.assign(starts);
    let copied = 0, skipped = 0;
    const done = new Set<number>();
    while (done.size < ends.size) {
      const batch = await c.consume(5000, 500);
      const out = [];
      for (const m of batch) {
        const end = ends.get(m.partition)!;
        if (m.offset >= end) {
          done.add(m.partition);
          continue;
        }
        if (m.offset === end - 1) done.add(m.partition);
        if (since !== undefined && m.timestamp < since) {
          skipped++;
          continue;
        }
        out.push({ topic: to, key: m.key, value: m.value, headers: m.headers, partition: m.partition });
      }
      if (out.length) {
        const reports = await p.send(out);
        const failed = reports.filter((r) => r.error);
        if (failed.length) throw failed[0].error;
        copied += out.length;
      }
      progress.set(copied + skipped);
      for (const partition of ends.keys()) if (!done.has(partition) && c.atEnd({ topic: from, partition })) done.add(partition);
    }
    progress.finish();
    await p.close();
    await c.close();
    await t.close();
    process.stdout.write(JSON.stringify({ from, to, copied, skipped }) + "\n");
    return EXIT.OK;
  },
};
export default command;
