// `weir topics`: list, create, describe and delete topics.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { cliTransport } from "../transport.ts";

const command: Command = {
  name: "topics",
  summary: "list, create, describe or delete topics",
  help: `Usage: weir topics list|describe T...|create T... [--partitions N] [--compact]|delete T... [--brokers HOST:PORT]`,
  async run(argv) {
    const { values, positionals } = parse(argv, { partitions: { type: "string" }, compact: { type: "boolean" }, brokers: { type: "string" } });
    const [action, ...names] = positionals;
    if (!["list", "describe", "create", "delete"].includes(action ?? "")) throw new UsageError("expected list, describe, create or delete");
    if (action !== "list" && !names.length) throw new UsageError(`${action} needs at least one topic`);
    const t = await cliTransport(values.brokers as string | undefined);
    const admin = t.admin();
    try {
      if (action === "list") for (const n of await admin.listTopics()) process.stdout.write(n + "\n");
      else if (action === "describe") for (const d of await admin.describeTopics(names)) process.stdout.write(JSON.stringify({ topic: d.topic, partitions: d.partitions, error: d.error?.message }) + "\n");
      else if (action === "create") await admin.createTopics(names.map((topic) => ({ topic, partitions: Number(values.partitions ?? 3), config: values.compact ? { "cleanup.policy": "compact" } : undefined })));
      else await admin.deleteTopics(names);
    } finally {
      await admin.close();
      await t.close();
    }
    return EXIT.OK;
  },
};
export default command;
