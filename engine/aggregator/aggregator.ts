// Scatter-gather join of agent outputs per message id, with a deadline and a quorum: all inputs →
// a final result; deadline passed with at least the quorum → a partial result naming the missing
// agents; an output arriving later → an amendment with a higher version. A per-conversation rollup
// (running sentiment, PII flags, intents and urgency, latest summary, message count) is kept too.
import type { Clock } from "../clock.ts";
import type { AggregatedResultShape, RollupShape } from "./schema.ts";

export interface AggregatorConfig {
  inputs: string[];
  deadlineMs: number;
  quorum: number;
  /** Field of the message that names its conversation (the rollup key); default `conversationId`. */
  conversationField?: string;
}

// The result shapes are TypeBox schemas (schema.ts); these are their static types.
export type AggregatedResult = AggregatedResultShape;
export type Rollup = RollupShape;

interface Pending {
  message: Record<string, unknown>;
  outputs: Map<string, unknown>;
  failed: Set<string>;
  version: number;
  emitted: boolean;
  timer: unknown;
}

const URGENCY = ["low", "normal", "high", "critical"];

export class Aggregator {
  private readonly pending = new Map<string, Pending>();
  /** Partial results already emitted, kept (up to 10 000) so late outputs become amendments. */
  private readonly recent = new Map<string, Pending>();
  /**
   * Ids of complete results, without their data (up to 100 000): a replayed output for one is
   * ignored rather than opening a second join. Keeping whole results here would hold every recent
   * message's text in memory.
   */
  private readonly completed = new Set<string>();

  constructor(
    private readonly cfg: AggregatorConfig,
    private readonly clock: Clock,
    private readonly emit: (r: AggregatedResult) => void,
  ) {}

  /** Registers a message before its agent outputs arrive, starting its deadline. */
  expect(messageId: string, message: Record<string, unknown>): void {
    if (this.has(messageId)) return;
    const p: Pending = { message, outputs: new Map(), failed: new Set(), version: 0, emitted: false, timer: null };
    p.timer = this.clock.setTimeout(() => this.onDeadline(messageId), this.cfg.deadlineMs);
    this.pending.set(messageId, p);
  }

  /** Replaces the message a join carries (an agent rewrote the record, e.g. redacted it). */
  replaceMessage(messageId: string, message: Record<string, unknown>): void {
    const p = this.pending.get(messageId) ?? this.recent.get(messageId);
    if (p) p.message = message;
  }

  /** Whether a join for this message is open or was emitted recently (late outputs still amend it). */
  has(messageId: string): boolean {
    return this.pending.has(messageId) || this.recent.has(messageId) || this.completed.has(messageId);
  }

  /** An agent's output (or its failure, with `failed`). */
  offer(messageId: string, agent: string, output: unknown, failed = false): void {
    const p = this.pending.get(messageId) ?? this.recent.get(messageId);
    if (!p || !this.cfg.inputs.includes(agent)) return;
    if (failed) p.failed.add(agent);
    else p.outputs.set(agent, output);
    if (p.emitted) {
      // Late: publish an amendment.
      this.publish(messageId, p);
      return;
    }
    if (this.cfg.inputs.every((a) => p.outputs.has(a) || p.failed.has(a))) {
      this.clock.clearTimeout(p.timer);
      this.publish(messageId, p);
    }
  }

  private onDeadline(messageId: string) {
    const p = this.pending.get(messageId);
    if (!p || p.emitted) return;
    // Below the quorum the result is still emitted — as partial — so the record is never lost.
    this.publish(messageId, p);
  }

  private publish(messageId: string, p: Pending) {
    p.version++;
    const missing = this.cfg.inputs.filter((a) => !p.outputs.has(a) && !p.failed.has(a));
    const first = !p.emitted;
    p.emitted = true;
    if (first) this.pending.delete(messageId);
    if (missing.length) {
      this.recent.set(messageId, p);
      if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value!);
    } else {
      this.recent.delete(messageId);
      this.completed.add(messageId);
      if (this.completed.size > 100_000) this.completed.delete(this.completed.values().next().value!);
    }
    this.emit({
      messageId,
      conversationId: String(p.message[this.cfg.conversationField ?? "conversationId"] ?? ""),
      tenant: String(p.message.tenant ?? "default"),
      version: p.version,
      status: missing.length ? "partial" : "final",
      missing,
      failed: [...p.failed],
      outputs: Object.fromEntries(p.outputs),
      message: p.message,
    });
  }

  /** Met the quorum? (exposed for alerts and tests) */
  quorumMet(r: AggregatedResult): boolean {
    return Object.keys(r.outputs).length >= this.cfg.quorum;
  }

  inFlight(): number {
    return this.pending.size;
  }
}

/** Folds one aggregated result into the conversation rollup. */
export function updateRollup(prev: Rollup | undefined, r: AggregatedResult, now: number): Rollup {
  const base: Rollup = prev ?? { conversationId: r.conversationId, tenant: r.tenant, messages: 0, sentiment: { score: 0, label: "neutral", trend: [] }, pii: { seen: false, types: [] }, intents: {}, urgency: "low", summary: "", updatedAt: now };
  const out: Rollup = { ...base, sentiment: { ...base.sentiment, trend: [...base.sentiment.trend] }, pii: { ...base.pii, types: [...base.pii.types] }, intents: { ...base.intents }, updatedAt: now };
  if (r.version === 1) out.messages++;
  const s = r.outputs.sentiment as { score?: number; label?: string } | undefined;
  if (s && typeof s.score === "number") {
    out.sentiment.score = out.messages <= 1 ? s.score : 0.7 * out.sentiment.score + 0.3 * s.score;
    out.sentiment.label = out.sentiment.score > 0.15 ? "positive" : out.sentiment.score < -0.15 ? "negative" : "neutral";
    out.sentiment.trend.push(Math.round(s.score * 100) / 100);
    if (out.sentiment.trend.length > 20) out.sentiment.trend.shift();
  }
  const pii = r.outputs.pii as { findings?: Array<{ type: string }> } | undefined;
  for (const f of pii?.findings ?? []) {
    out.pii.seen = true;
    if (!out.pii.types.includes(f.type)) out.pii.types.push(f.type);
  }
  const ins = r.outputs.insights as { intent?: string; urgency?: string } | undefined;
  if (ins?.intent) out.intents[ins.intent] = (out.intents[ins.intent] ?? 0) + 1;
  if (ins?.urgency && URGENCY.indexOf(ins.urgency) > URGENCY.indexOf(out.urgency)) out.urgency = ins.urgency;
  const sum = r.outputs.summary as { summary?: string } | undefined;
  if (sum?.summary) out.summary = sum.summary;
  return out;
}
