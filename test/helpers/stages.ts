// The support topology with its topic and group names made unique per test run, so stage tests on
// a shared broker never read another run's records.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTopology } from "../../topology/load.ts";
import type { Consumer, Producer } from "../../engine/kafka/types.ts";
import { text } from "./kafka.ts";

export function supportTopology(prefix: string, edit: (yaml: string) => string = (y) => y) {
  const yaml = readFileSync(resolve(import.meta.dir, "../../topology/support.yaml"), "utf8")
    .replaceAll("support.", `${prefix}.`)
    .replace("groupId: weir-support", `groupId: ${prefix}-group`)
    .replace(/^name: .*$/m, `name: ${prefix}`);
  return parseTopology(edit(yaml), `${prefix}.yaml`);
}

/** Reads per-message results until every id in `ids` has a final one; returns the latest result per id. */
export async function finalResults(c: Consumer, ids: string[], timeoutMs = 60_000): Promise<Map<string, any>> {
  const latest = new Map<string, any>();
  const deadline = Date.now() + timeoutMs;
  const done = () => ids.every((id) => latest.get(id)?.status === "final");
  while (!done() && Date.now() < deadline) {
    for (const m of await c.consume(1000, 100)) {
      if (text(m.headers.find(([k]) => k === "weir.kind")?.[1] ?? null) !== "message") continue;
      const r = JSON.parse(text(m.value)!);
      if ((latest.get(r.messageId)?.version ?? 0) < r.version) latest.set(r.messageId, r);
    }
  }
  if (!done()) throw new Error(`final results for ${ids.filter((id) => latest.get(id)?.status === "final").length}/${ids.length} messages`);
  return latest;
}

/** Writes `n` support messages over `conversations` conversations to `<prefix>.messages`; returns their ids. */
export async function sendMessages(producer: Producer, prefix: string, n: number, conversations: number, text: (i: number) => string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-m${i}`);
  const reports = await producer.send(ids.map((id, i) => ({ topic: `${prefix}.messages`, key: `c${i % conversations}`, value: JSON.stringify({ id, conversationId: `c${i % conversations}`, tenant: "acme", text: text(i) }) })));
  const failed = reports.filter((r) => r.error);
  if (failed.length) throw new Error(`${failed.length} messages not delivered: ${failed[0].error?.message}`);
  return ids;
}
