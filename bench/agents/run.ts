// The offline agents' own speed, with no engine and no Kafka: each agent called in a plain loop over
// the bench's support messages (test/fixtures/eval/support-messages.jsonl, 500 conversations, as
// bench/engine uses them), with per-conversation state, then the five of topology/support.yaml
// together against the 25 000 msgs/s target. Where a reference library is installed its figure is
// measured in the same run, in alternating rounds (AFINN-based `sentiment` for sentiment). Medians
// of the rounds, with their spread. Accuracy and calibration on the labelled eval set come from
// agents/eval/report.ts. Writes bench/results/agents.json.
//   bun bench/agents/run.ts [--rounds 5] [--messages 20000] [--no-eval]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AGENTS } from "../../agents/index.ts";
import { systemClock } from "../../engine/clock.ts";
import { logger } from "../../engine/log.ts";
import { result, writeResults, type BenchResult } from "../lib/results.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg("rounds", 5);
const N = arg("messages", 20_000);
const TARGET_MSGS_PER_SEC = 25_000;
const CONVERSATIONS = 500;
const FIVE = ["pii", "sentiment", "insights", "summary", "validator"] as const;
type Name = (typeof FIVE)[number];

const TEXTS: string[] = readFileSync(resolve(import.meta.dir, "../../test/fixtures/eval/support-messages.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l).text);
const messages = Array.from({ length: N }, (_, i) => ({ id: `m-${i}`, conversationId: `c${i % CONVERSATIONS}`, tenant: "bench", text: TEXTS[i % TEXTS.length] }));
const log = logger("bench.agents");
/** One config object per agent, as the runtime holds it (agents cache what they parse from it). */
const CONFIG = Object.fromEntries(FIVE.map((n) => [n, {}])) as Record<Name, Record<string, never>>;
const signal = new AbortController().signal;

/** Runs one or more agents in topology order over every message; returns µs per message. */
async function loop(names: readonly Name[], inputs: Map<Name, unknown[]>, upstream: Array<Record<string, unknown>>): Promise<number> {
  const state = new Map<string, unknown>();
  const chained = names.length > 1;
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i];
    const outputs: Record<string, unknown> = {};
    for (const name of names) {
      const def = AGENTS[name];
      const key = `${name}\u0000${msg.conversationId}`;
      // Alone, an agent gets the input it would get in the topology (precomputed); chained, it gets it live.
      const input = !chained ? inputs.get(name)![i] : name === "pii" ? msg : { ...msg, text: (outputs.pii as { redacted: string }).redacted };
      const ctx = { key: msg.conversationId, tenant: msg.tenant, state: (state.get(key) ?? def.initialState()) as never, clock: systemClock, log, attempt: 1, signal, upstream: chained ? outputs : upstream[i] };
      const r = await def.offline(input as never, ctx, CONFIG[name] as never);
      if (r.state !== undefined) state.set(key, r.state);
      outputs[name] = r.output;
    }
  }
  return ((performance.now() - t0) * 1000) / messages.length;
}

/** The inputs each agent sees in support.yaml (redacted text after pii) and the validator's upstream outputs. */
async function prepare() {
  const inputs = new Map<Name, unknown[]>(FIVE.map((n) => [n, []]));
  const upstream: Array<Record<string, unknown>> = [];
  const state = new Map<string, unknown>();
  for (const msg of messages) {
    const outputs: Record<string, unknown> = {};
    for (const name of FIVE) {
      const def = AGENTS[name];
      const key = `${name}\u0000${msg.conversationId}`;
      const input = name === "pii" ? msg : { ...msg, text: (outputs.pii as { redacted: string }).redacted };
      inputs.get(name)!.push(input);
      if (name === "validator") upstream.push({ ...outputs });
      const r = await def.offline(input as never, { key: msg.conversationId, tenant: msg.tenant, state: (state.get(key) ?? def.initialState()) as never, clock: systemClock, log, attempt: 1, signal, upstream: outputs }, CONFIG[name] as never);
      if (r.state !== undefined) state.set(key, r.state);
      outputs[name] = r.output;
    }
  }
  return { inputs, upstream };
}

/** The reference library for an agent, when it is installed (none is a dependency of weir). */
async function reference(name: Name): Promise<{ label: string; run: () => number } | undefined> {
  if (name !== "sentiment") return undefined;
  try {
    const mod = (await import("sentiment" as string)) as { default: new () => { analyze(s: string): { score: number } } };
    const s = new mod.default();
    return {
      label: "sentiment (AFINN) npm package",
      run() {
        const t0 = performance.now();
        let acc = 0;
        for (const m of messages) acc += s.analyze(m.text).score;
        if (Number.isNaN(acc)) throw new Error("unreachable");
        return ((performance.now() - t0) * 1000) / messages.length;
      },
    };
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });
const r2 = (x: number) => Math.round(x * 100) / 100;

const { inputs, upstream } = await prepare();
const refs = new Map<Name, Awaited<ReturnType<typeof reference>>>();
for (const n of FIVE) refs.set(n, await reference(n));
const samples = new Map<string, number[]>();
const push = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);
await loop(FIVE, inputs, upstream); // warm-up: JIT and lazily compiled validators
for (let round = 0; round < ROUNDS; round++) {
  for (const n of FIVE) {
    push(n, await loop([n], inputs, upstream));
    const ref = refs.get(n);
    if (ref) push(`${n}:ref`, ref.run());
  }
  push("five", await loop(FIVE, inputs, upstream));
}

const results: BenchResult[] = [];
const perAgent: Record<string, unknown> = {};
for (const n of FIVE) {
  const us = median(samples.get(n)!);
  const ref = refs.get(n);
  const refUs = ref ? median(samples.get(`${n}:ref`)!) : undefined;
  perAgent[n] = { usPerMsg: r2(us), msgsPerSec: Math.round(1e6 / us), spreadUs: spread(samples.get(n)!.map(r2)), reference: ref ? { name: ref.label, usPerMsg: r2(refUs!), msgsPerSec: Math.round(1e6 / refUs!) } : "none installed" };
  results.push(ref ? result(`${n} µs/message (plain loop)`, us, "µs/msg", ref.label, refUs!, null, true) : result(`${n} msgs/s (plain loop)`, 1e6 / us, "msgs/s", "share of the 25 000 msgs/s budget for five agents", TARGET_MSGS_PER_SEC * 5, null));
}
const fiveUs = median(samples.get("five")!);
results.push(result("five offline agents together, msgs/s (plain loop)", 1e6 / fiveUs, "msgs/s", "target 25 000 msgs/s (≤ 40 µs/msg)", TARGET_MSGS_PER_SEC, 1));

const evaluation = process.argv.includes("--no-eval") ? undefined : await (await import("../../agents/eval/report.ts")).evalReport();
if (evaluation) results.push(...evaluation.results);
const command = `bun bench/agents/run.ts ${process.argv.slice(2).join(" ")}`.trim();
const path = writeResults("agents", command, results, {
  machine: "2 shared cores, loaded by other engineers' work: compare figures from the same run only",
  messages: N,
  rounds: ROUNDS,
  speed: { perAgent, five: { usPerMsg: r2(fiveUs), msgsPerSec: Math.round(1e6 / fiveUs), spreadUs: spread(samples.get("five")!.map(r2)), target: TARGET_MSGS_PER_SEC } },
  ...(evaluation ? { eval: evaluation.detail } : {}),
});
console.log(JSON.stringify({ perAgent, five: { usPerMsg: r2(fiveUs), msgsPerSec: Math.round(1e6 / fiveUs) } }, null, 1));
console.log(`wrote ${path}`);
