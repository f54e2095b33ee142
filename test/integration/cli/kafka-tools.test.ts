// weir produce, tail, replay and topics against the real broker, run as a user runs them.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { BROKERS, kafka, uniqueTopic } from "../../helpers/kafka.ts";

const cli = resolve(import.meta.dir, "../../../cli/weir.ts");
const run = (args: string[], stdin?: string) => Bun.spawnSync(["bun", cli, ...args, "--brokers", BROKERS], { stdin: stdin ? Buffer.from(stdin) : undefined, env: { ...process.env, WEIR_LOG_LEVEL: "warn" } });
const lines = (b: Buffer) => b.toString().trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe("kafka CLI tools", () => {
  test("produce → tail → replay → topics", () => {
    const topic = uniqueTopic("cli");
    const input = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: `m${i}`, conversationId: `c${i % 3}` })).join("\n") + "\nnot json\n";
    const p = run(["produce", topic, "--key", "conversationId", "--header", "source=test"], input);
    expect(p.exitCode).toBe(0);
    expect(lines(p.stdout).at(-1)).toEqual({ topic, produced: 25, failed: 0, skipped: 1 });

    const t = run(["tail", topic, "--from-beginning", "--max", "25"]);
    expect(t.exitCode).toBe(0);
    const got = lines(t.stdout);
    expect(got).toHaveLength(25);
    expect(got[0]).toMatchObject({ key: "c0", headers: { source: "test" }, value: { id: "m0", conversationId: "c0" } });

    const r = run(["replay", "--from-topic", topic, "--to-topic", `${topic}-copy`]);
    expect(r.exitCode).toBe(0);
    expect(lines(r.stdout).at(-1)).toEqual({ from: topic, to: `${topic}-copy`, copied: 25, skipped: 0 });
    expect(lines(run(["tail", `${topic}-copy`, "--from-beginning", "--max", "25"]).stdout).map((x) => x.value.id).sort()).toEqual(got.map((x) => x.value.id).sort());

    const list = run(["topics", "list"]);
    expect(list.stdout.toString().split("\n")).toContain(`${topic}-copy`);
    expect(run(["topics", "delete", topic, `${topic}-copy`]).exitCode).toBe(0);
  }, 60_000);

  test("replay ends on a topic written in transactions (its last offsets are markers, never delivered)", async () => {
    const topic = uniqueTopic("cli-tx");
    const t = kafka();
    await t.admin().createTopics([{ topic, partitions: 2 }]);
    const p = t.producer({ transactionalId: `tx-${topic}` });
    await p.initTransactions();
    p.beginTransaction();
    await p.send([0, 1, 2].map((i) => ({ topic, value: JSON.stringify({ i }), partition: i % 2 })));
    await p.commitTransaction();
    await p.close();
    await t.close();
    const r = Bun.spawnSync(["bun", cli, "replay", "--from-topic", topic, "--to-topic", `${topic}-copy`, "--brokers", BROKERS], { env: { ...process.env, WEIR_LOG_LEVEL: "warn" }, timeout: 30_000 });
    expect(r.exitCode).toBe(0);
    expect(lines(r.stdout).at(-1)).toEqual({ from: topic, to: `${topic}-copy`, copied: 3, skipped: 0 });
  }, 60_000);

  test("no cluster is a clear error, and --help works", () => {
    const r = Bun.spawnSync(["bun", cli, "tail", "x"], { env: { ...process.env, KAFKA_BROKERS: "" } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("--brokers");
    const h = Bun.spawnSync(["bun", cli, "replay", "--help"]);
    expect(h.exitCode).toBe(0);
    expect(h.stdout.toString()).toContain("--since");
  });
});
