// The support job's conversation rollup (`rollup: { fold: support }` in topology/support.yaml):
// running sentiment, PII kinds seen, intents and the highest urgency, the latest summary and the
// message count, folded from each published result. Only outputs new in a version are folded, and a
// message counts once, on its first version. It knows the support agents' output shapes; the engine
// does not (it stores and versions whatever a fold returns).
import type { AggregatedResultShape as AggregatedResult, RollupShape as Rollup } from "../engine/aggregator/schema.ts";
import type { RollupFold } from "../engine/contracts/rollup.ts";

const URGENCY = ["low", "normal", "high", "critical"];

/** Folds the outputs of `fresh` agents in one published result into the conversation's rollup. */
export function foldRollup(prev: Rollup | undefined, r: AggregatedResult, fresh: readonly string[], now: number): Rollup {
  const base: Rollup = prev ?? { conversationId: r.conversationId, tenant: r.tenant, messages: 0, sentiment: { score: 0, label: "neutral", trend: [] }, pii: { seen: false, types: [] }, intents: {}, urgency: "low", summary: "", updatedAt: now };
  const out: Rollup = { ...base, sentiment: { ...base.sentiment, trend: [...base.sentiment.trend] }, pii: { ...base.pii, types: [...base.pii.types] }, intents: { ...base.intents }, updatedAt: now };
  if (r.version === 1) out.messages++;
  const has = (agent: string) => fresh.includes(agent);
  const s = r.outputs.sentiment as { score?: number } | undefined;
  if (has("sentiment") && s && typeof s.score === "number") {
    out.sentiment.score = out.messages <= 1 ? s.score : 0.7 * out.sentiment.score + 0.3 * s.score;
    out.sentiment.label = out.sentiment.score > 0.15 ? "positive" : out.sentiment.score < -0.15 ? "negative" : "neutral";
    out.sentiment.trend.push(Math.round(s.score * 100) / 100);
    if (out.sentiment.trend.length > 20) out.sentiment.trend.shift();
  }
  const pii = r.outputs.pii as { findings?: Array<{ type: string }> } | undefined;
  if (has("pii"))
    for (const f of pii?.findings ?? []) {
      out.pii.seen = true;
      if (!out.pii.types.includes(f.type)) out.pii.types.push(f.type);
    }
  const ins = r.outputs.insights as { intent?: string; urgency?: string } | undefined;
  if (has("insights")) {
    if (ins?.intent) out.intents[ins.intent] = (out.intents[ins.intent] ?? 0) + 1;
    if (ins?.urgency && URGENCY.indexOf(ins.urgency) > URGENCY.indexOf(out.urgency)) out.urgency = ins.urgency;
  }
  const sum = r.outputs.summary as { summary?: string } | undefined;
  if (has("summary") && sum?.summary) out.summary = sum.summary;
  return out;
}

/** The fold as registered under the name `support`. */
export const supportRollup = foldRollup as unknown as RollupFold;

/** Rollup folds that ship with weir's agents, by the name topologies use. */
export const ROLLUP_FOLDS: Record<string, RollupFold> = { support: supportRollup };
