// `weir tail TOPIC`: prints records as JSON lines (key, value, headers, partition, offset).
// With Kafka (KAFKA_BROKERS or --brokers) it reads the topic itself. Without Kafka the topics live
// inside the `weir run` process (embedded mode), so it asks that process's API instead
// (/ws/topics/TOPIC). `weir tail --ws` follows the API's live results (/ws/stream, or one
// conversation with --conversation ID) in either mode; the key is WEIR_API_KEY, --key, or the
// development key in .weir/dev-key.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { cliTransport } from "../transport.ts";
import { WeirError } from "../../engine/errors.ts";
import { kafkaFromEnv } from "../../engine/kafka/env.ts";

const dec = new TextDecoder();

/** The API key for the local API: --key, WEIR_API_KEY, else the development key file. */
function apiKey(explicit: string | undefined): string {
  const file = process.env.WEIR_DEV_KEY_FILE || ".weir/dev-key";
  const key = explicit || process.env.WEIR_API_KEY || (existsSync(file) ? readFileSync(file, "utf8").trim() : "");
  if (!key) throw new WeirError("CONFIG_INVALID", `no Kafka cluster (pass --brokers HOST:PORT or set KAFKA_BROKERS) and no API key for an embedded \`weir run\` (pass --key KEY, set WEIR_API_KEY, or start \`weir run\` here once: it writes ${file})`);
  return key;
}

/** Opens a WebSocket on the API with a single-use ticket and prints each message as one line until closed, --max or --idle-ms. */
async function followApi(api: string, path: string, key: string, max: number, idle: number): Promise<number> {
  let res: Response;
  try {
    res = await fetch(new URL("/v1/ws-ticket", api), { method: "POST", headers: { authorization: `Bearer ${key}` } });
  } catch (e) {
    process.stderr.write(`weir tail: cannot reach the weir API at ${api} (${(e as Error).message}); is \`weir run\` running? (--api URL, or KAFKA_BROKERS to read Kafka)\n`);
    return EXIT.UNAVAILABLE;
  }
  if (res.status === 401) throw new WeirError("UNAUTHORIZED", `the API at ${api} refused the key (${((await res.json()) as { error: { message: string } }).error.message})`);
  if (!res.ok) throw new WeirError("INTERNAL", `POST /v1/ws-ticket answered ${res.status}`);
  const { ticket } = (await res.json()) as { ticket: string };
  const url = new URL(path, api);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("ticket", ticket);
  return new Promise((resolve) => {
    const ws = new WebSocket(url.href);
    let n = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (!Number.isFinite(idle)) return;
      clearTimeout(timer);
      timer = setTimeout(() => ws.close(), idle);
    };
    arm();
    process.once("SIGINT", () => ws.close());
    ws.onmessage = (m) => {
      const text = String(m.data);
      if (text.startsWith('{"type":"hello"')) return;
      process.stdout.write(text + "\n");
      arm();
      if (++n >= max) ws.close();
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      if (e.code !== 1000 && e.code !== 1005 && e.code !== 1006) process.stderr.write(`weir tail: the API closed the stream (${e.code} ${e.reason})\n`);
      resolve(EXIT.OK);
    };
  });
}

const command: Command = {
  name: "tail",
  summary: "print records of a topic, or the API's live results (--ws), as JSON lines",
  help: `Usage: weir tail TOPIC [--from-beginning] [--group G] [--max N] [--idle-ms N] [--brokers HOST:PORT]
       weir tail --ws [--conversation ID] [--since SEQ] [--max N] [--idle-ms N] [--api URL] [--key KEY]

With Kafka (KAFKA_BROKERS or --brokers): reads TOPIC; without --group a throwaway group is used and
nothing is committed. Without Kafka (embedded mode) the topic lives in the \`weir run\` process, so
TOPIC is read through its API from the beginning (--api, default http://127.0.0.1:3000).
--ws follows the API's live results: every insight and rollup of the tenant, or of one conversation.
The API key is --key, WEIR_API_KEY, or the development key in .weir/dev-key.
--max stops after N records; --idle-ms stops after that long without one (default: until Ctrl-C).`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      "from-beginning": { type: "boolean" }, group: { type: "string" }, max: { type: "string" }, "idle-ms": { type: "string" }, brokers: { type: "string" },
      ws: { type: "boolean" }, conversation: { type: "string" }, since: { type: "string" }, api: { type: "string" }, key: { type: "string" },
    });
    const max = values.max ? Number(values.max) : Infinity;
    const idle = values["idle-ms"] ? Number(values["idle-ms"]) : Infinity;
    const api = (values.api as string | undefined) ?? process.env.WEIR_API_URL ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
    if (values.ws) {
      const conv = values.conversation as string | undefined;
      const path = (conv ? `/ws/conversations/${encodeURIComponent(conv)}` : "/ws/stream") + (values.since ? `?since=${Number(values.since)}` : "");
      return followApi(api, path, apiKey(values.key as string | undefined), max, idle);
    }
    const topic = positionals[0];
    if (!topic) throw new UsageError("missing TOPIC (or --ws for the API's live results)");
    if (!values.brokers && !kafkaFromEnv(process.env)) return followApi(api, `/ws/topics/${encodeURIComponent(topic)}`, apiKey(values.key as string | undefined), max, idle);
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
