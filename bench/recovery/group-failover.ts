// How long a consumer group takes to give a dead member's partitions to the survivor, on the real
// broker, with weir's own Consumer: two member processes share a 6-partition topic, one is killed
// with SIGKILL, and the time until the survivor owns all 6 partitions is measured. Compares group
// protocols and session timeouts, and static membership across a quick SIGTERM + restart.
//   bun bench/recovery/group-failover.ts                 (every scenario)
//   WEIR_BENCH_SCENARIOS=classic-6s,kip848 bun bench/recovery/group-failover.ts
// Writes bench/results/group-failover.json (with the command that made it).
// A member is this file run as `bun group-failover.ts member <topic> <group> <config JSON>`: it
// prints one JSON line per assignment change.
import { resolve } from "node:path";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { createKafkaTransport } from "../../engine/kafka/index.ts";
import type { KafkaConfig, TopicPartition } from "../../engine/kafka/types.ts";

const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const PARTITIONS = 6;

async function member(topic: string, group: string, config: KafkaConfig) {
  const t = createKafkaTransport({ brokers, config: { "client.id": `failover-${process.pid}` } });
  const c = t.consumer({ groupId: group, config });
  const owned = new Map<number, TopicPartition>();
  const say = (type: string, extra: Record<string, unknown> = {}) =>
    process.stdout.write(JSON.stringify({ pid: process.pid, type, at: Date.now(), owned: [...owned.keys()].sort((a, b) => a - b), ...extra }) + "\n");
  c.onRebalance((e) => {
    for (const p of e.partitions) e.type === "assign" ? owned.set(p.partition, p) : owned.delete(p.partition);
    say(e.type, { lost: e.lost ?? false });
  });
  let stopping = false;
  process.on("SIGTERM", () => (stopping = true));
  c.subscribe([topic]);
  say("started");
  while (!stopping) await c.consume(500, 100);
  await c.close();
  say("closed");
  process.exit(0);
}

interface Line {
  pid: number;
  type: string;
  at: number;
  owned: number[];
}

class Member {
  readonly proc: Subprocess<"ignore", "pipe", "inherit">;
  owned: number[] = [];
  events: Line[] = [];
  private waiters: Array<() => void> = [];
  constructor(topic: string, group: string, config: KafkaConfig) {
    this.proc = Bun.spawn(["bun", import.meta.path, "member", topic, group, JSON.stringify(config)], {
      stdout: "pipe",
      stderr: "inherit",
      env: { ...process.env, WEIR_LOG_LEVEL: "error" },
    });
    void this.read();
  }
  private async read() {
    let buf = "";
    for await (const chunk of this.proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as Line;
        buf = buf.slice(i + 1);
        this.owned = line.owned;
        this.events.push(line);
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }
  /** Resolves with the time of the line that first satisfies `cond`, or null after `timeoutMs`. */
  async until(cond: (l: Line) => boolean, timeoutMs: number, from = 0): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(cond);
      if (hit) return hit.at;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }
}

interface Scenario {
  name: string;
  config: KafkaConfig;
  /** Kill -9 (failover) or SIGTERM then restart with the same group.instance.id (static restart). */
  kind: "kill" | "static-restart";
}
const classic = (sessionMs: number, heartbeatMs: number): KafkaConfig => ({ "group.protocol": "classic", "session.timeout.ms": sessionMs, "heartbeat.interval.ms": heartbeatMs });
const SCENARIOS: Scenario[] = [
  { name: "classic-45s", kind: "kill", config: classic(45_000, 3_000) },
  { name: "classic-10s", kind: "kill", config: classic(10_000, 3_000) },
  { name: "classic-10s-hb2s", kind: "kill", config: classic(10_000, 2_000) },
  { name: "classic-6s", kind: "kill", config: classic(6_000, 2_000) },
  { name: "kip848", kind: "kill", config: { "group.protocol": "consumer" } },
  { name: "kip848-range", kind: "kill", config: { "group.protocol": "consumer", "group.remote.assignor": "range" } },
  { name: "classic-10s-static-restart", kind: "static-restart", config: classic(10_000, 3_000) },
];

async function run(s: Scenario, admin: ReturnType<ReturnType<typeof createKafkaTransport>["admin"]>) {
  const topic = `failover-${s.name}-${crypto.randomUUID().slice(0, 8)}`;
  const group = `g-${topic}`;
  await admin.createTopics([{ topic, partitions: PARTITIONS }]);
  const cfg = (i: number) => (s.kind === "static-restart" ? { ...s.config, "group.instance.id": `${group}-m${i}` } : s.config);
  const a = new Member(topic, group, cfg(0));
  const b = new Member(topic, group, cfg(1));
  const members = [a, b];
  try {
    // Steady state: both own partitions, all 6 between them.
    const stable = Date.now() + 90_000;
    while (!(a.owned.length && b.owned.length && a.owned.length + b.owned.length === PARTITIONS)) {
      if (Date.now() > stable || a.proc.exitCode !== null || b.proc.exitCode !== null) throw new Error(`${s.name}: the group never settled (${a.owned} / ${b.owned})`);
      await Bun.sleep(50);
    }
    const victimOwned = [...b.owned];
    const from = a.events.length;
    const t0 = Date.now();
    if (s.kind === "kill") {
      b.proc.kill(9);
      const at = await a.until((l) => l.owned.length === PARTITIONS, 120_000, from);
      return { scenario: s.name, config: s.config, victimPartitions: victimOwned.length, recoveryMs: at === null ? null : at - t0 };
    }
    // Static membership: SIGTERM, wait for the exit, restart with the same instance id at once.
    b.proc.kill("SIGTERM");
    await b.proc.exited;
    const restartedAt = Date.now();
    const b2 = new Member(topic, group, cfg(1));
    members.push(b2);
    const back = await b2.until((l) => l.owned.length > 0, 120_000);
    const survivorChanges = a.events.slice(from).filter((l) => l.type === "assign" || l.type === "revoke").length;
    return {
      scenario: s.name,
      config: s.config,
      victimPartitions: victimOwned.length,
      stopToOwnedAgainMs: back === null ? null : back - t0,
      restartToOwnedAgainMs: back === null ? null : back - restartedAt,
      sameAssignment: JSON.stringify(b2.owned) === JSON.stringify(victimOwned),
      survivorRebalances: survivorChanges,
    };
  } finally {
    for (const m of members) m.proc.kill("SIGTERM");
    await Promise.all(members.map((m) => Promise.race([m.proc.exited, Bun.sleep(15_000)])));
    for (const m of members) if (m.proc.exitCode === null) m.proc.kill(9);
    await admin.deleteTopics([topic]).catch(() => {});
  }
}

async function main() {
  const only = process.env.WEIR_BENCH_SCENARIOS?.split(",");
  const t = createKafkaTransport({ brokers });
  const admin = t.admin();
  const results: Array<{ scenario: string }> = [];
  for (const s of SCENARIOS.filter((x) => !only || only.includes(x.name))) {
    try {
      const r = await run(s, admin);
      console.error(JSON.stringify(r));
      results.push(r);
    } catch (e) {
      const r = { scenario: s.name, config: s.config, error: (e as Error).message };
      console.error(JSON.stringify(r));
      results.push(r);
    }
  }
  await t.close();
  const out = resolve(import.meta.dir, "../results/group-failover.json");
  mkdirSync(resolve(out, ".."), { recursive: true });
  const command = `${only ? `WEIR_BENCH_SCENARIOS=${only.join(",")} ` : ""}bun bench/recovery/group-failover.ts`;
  const at = new Date().toISOString();
  // A partial run replaces only its scenarios; each result says which command and run made it.
  const previous: Array<{ scenario: string }> = only && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")).results : [];
  const fresh = results.map((r) => ({ ...r, command, at }));
  const merged = [...previous.filter((r) => !fresh.some((f) => f.scenario === r.scenario)), ...fresh];
  merged.sort((x, y) => SCENARIOS.findIndex((s) => s.name === x.scenario) - SCENARIOS.findIndex((s) => s.name === y.scenario));
  writeFileSync(out, JSON.stringify({ brokers, partitions: PARTITIONS, results: merged }, null, 2) + "\n");
  console.log(JSON.stringify({ wrote: out, results }, null, 2));
}

if (process.argv[2] === "member") await member(process.argv[3], process.argv[4], JSON.parse(process.argv[5]) as KafkaConfig);
else await main();
