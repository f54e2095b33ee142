// Rollup folds by name: the topology says which one a conversation rollup uses
// (`aggregator.rollup.fold`), the composition root registers the ones that ship with agents (the
// support job's `support`), and the engine has one of its own, `latest`: the message count and the
// latest output of each agent the topology lists in `keep` (every input when it lists none).
import { WeirError } from "../errors.ts";
import type { BaseRollup, RollupFold } from "../contracts/rollup.ts";

/** A rollup as stored: the value and its revision (bumped on every fold, across owners and restarts). */
export interface StoredRollup {
  r: BaseRollup;
  rev: number;
}

/** The engine's own fold: count messages, keep each listed agent's latest output. */
export function latestFold(keep?: readonly string[]): RollupFold {
  return (prev, r, fresh, now) => {
    const latest = { ...((prev?.latest as Record<string, unknown> | undefined) ?? {}) };
    for (const agent of fresh) if (!keep?.length || keep.includes(agent)) latest[agent] = r.outputs[agent];
    return { conversationId: r.conversationId, tenant: r.tenant, messages: (prev?.messages ?? 0) + (r.version === 1 ? 1 : 0), latest, updatedAt: now };
  };
}

const folds = new Map<string, RollupFold>();

/** Makes a fold available to topologies by name. */
export function registerRollupFold(name: string, fold: RollupFold): void {
  folds.set(name, fold);
}

/** The fold a topology names (`latest` unless it names another); an unknown name is a TOPOLOGY_INVALID. */
export function rollupFold(name: string | undefined, keep?: readonly string[]): RollupFold {
  if (!name || name === "latest") return latestFold(keep);
  const fold = folds.get(name);
  if (!fold) throw new WeirError("TOPOLOGY_INVALID", `aggregator.rollup.fold: unknown fold "${name}"; registered: ${["latest", ...folds.keys()].map((n) => `"${n}"`).join(", ")}`);
  return fold;
}
