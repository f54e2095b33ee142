// Small agent definitions and topologies for runtime tests, written against agents/agent.ts.
import { Type } from "@sinclair/typebox";
import { defineAgent, type AgentDefinition } from "../../agents/agent.ts";
import { SupportMessage } from "../../agents/message.ts";
import { WeirError } from "../../engine/errors.ts";
import { registerBuiltIns } from "../../agents/register.ts";
import { parseTopology } from "../../topology/load.ts";
import type { Consumer } from "../../engine/kafka/types.ts";
import { text } from "./kafka.ts";

/** Counts messages per conversation in state and echoes the sequence it saw: ordering and state in one. */
export const counter = defineAgent({
  name: "counter",
  description: "test agent: per-key counter",
  input: SupportMessage,
  output: Type.Object({ n: Type.Integer(), seen: Type.Array(Type.String()) }),
  state: Type.Object({ n: Type.Integer(), seen: Type.Array(Type.String()) }),
  initialState: () => ({ n: 0, seen: [] }),
  async offline(input, ctx, config: { delayMs?: number }) {
    if (config.delayMs) await new Promise((r) => setTimeout(r, config.delayMs! * Math.random()));
    if (input.text.includes("POISON")) throw new WeirError("AGENT_FAILED", "poison record", { retriable: true });
    const seen = [...ctx.state.seen, input.id].slice(-50);
    return { output: { n: ctx.state.n + 1, seen }, state: { n: ctx.state.n + 1, seen } };
  },
});

export const upper = defineAgent({
  name: "upper",
  description: "test agent: upper-cases the text",
  input: SupportMessage,
  output: Type.Object({ text: Type.String() }),
  state: Type.Object({}),
  initialState: () => ({}),
  offline: (input) => ({ output: { text: input.text.toUpperCase() } }),
});

// testTopology names `schema: SupportMessage`; worker processes (test/helpers/worker.ts) load this
// file without the test preload, so it registers the built-ins itself.
registerBuiltIns();

export const TEST_AGENTS = { sentiment: counter, insights: upper } as unknown as Record<string, AgentDefinition>;

export function testTopology(name: string, opts: { in: string; out: string; dlq: string; concurrency?: number; delayMs?: number; high?: number; delivery?: string; partitions?: number }) {
  return parseTopology(
    `name: ${name}
version: 1
sources:
  - name: raw
    topic: ${opts.in}
    schema: SupportMessage
    key: conversationId
    groupId: g-${name}
    partitions: ${opts.partitions ?? 3}
operators:
  - name: nonEmpty
    input: raw
    type: filter
    where: { field: text, op: nonEmpty }
agents:
  - name: count
    agent: sentiment
    input: nonEmpty
    concurrency: ${opts.concurrency ?? 8}
    retry: { attempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 }
    config: { delayMs: ${opts.delayMs ?? 0} }
  - name: shout
    agent: insights
    input: nonEmpty
aggregator:
  name: results
  inputs: [count, shout]
  deadline: 2s
  rollup: { by: conversationId }
sinks:
  - name: out
    input: results
    type: topic
    topic: ${opts.out}
deadLetter: { topic: ${opts.dlq} }
delivery: ${opts.delivery ?? "at-least-once"}
backpressure: { highWatermark: ${opts.high ?? 1000}, lowWatermark: ${Math.floor((opts.high ?? 1000) / 2)} }
`,
    `${name}.yaml`,
  );
}

export function message(i: number, conv: string, text = `message ${i}`) {
  return { id: `m-${i}`, conversationId: conv, tenant: "acme", text };
}

/**
 * Reads per-message results from an output topic (which also carries conversation rollups): polls
 * at least once, then until `n` arrived; throws after `timeoutMs`.
 */
export async function readResults(c: Consumer, n: number, timeoutMs = 30_000): Promise<any[]> {
  const out: any[] = [];
  const deadline = Date.now() + timeoutMs;
  do {
    for (const m of await c.consume(1000, 100)) {
      if (text(m.headers.find(([k]) => k === "weir.kind")?.[1] ?? null) === "message") out.push(JSON.parse(text(m.value)!));
    }
  } while (out.length < n && Date.now() < deadline);
  if (out.length < n) throw new Error(`got ${out.length}/${n} results`);
  return out;
}
