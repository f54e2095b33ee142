// The agent kinds a topology may name in `agents[].agent`; the registry in agents/ provides each.
// Kept apart from the schema so the CLI and the runtime can list them without loading TypeBox.
export const KNOWN_AGENTS = ["sentiment", "pii", "insights", "summary", "validator", "embedding"] as const;
export type KnownAgent = (typeof KNOWN_AGENTS)[number];
