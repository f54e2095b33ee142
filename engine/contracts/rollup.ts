// What a conversation rollup is to the engine: whatever a fold keeps, plus the few fields every fold
// keeps (the conversation, its tenant, how many messages, when). The engine stores rollups per
// partition and versions them; which agents' outputs they summarise, and how, is the fold's business
// — the support job's fold lives with its agents (agents/rollup.ts), not in the engine.
import type { AggregatedResultShape as AggregatedResult } from "../aggregator/schema.ts";

export interface BaseRollup {
  conversationId: string;
  tenant: string;
  messages: number;
  updatedAt: number;
  [field: string]: unknown;
}

/**
 * Folds one published result into its conversation's rollup. `fresh` names the inputs whose outputs
 * are new in this version (an amendment adds the late agent's output, not the others' again); a
 * message counts once, on version 1.
 */
export type RollupFold<R extends BaseRollup = BaseRollup> = (prev: R | undefined, result: AggregatedResult, fresh: readonly string[], now: number) => R;
