// The agent kinds a topology may name in `agents[].agent`: the one list of agent names. The
// registry in agents/index.ts is checked against it when compiling; kept apart from both the schema
// and the agents so the CLI, the topology schema and the runtime can list them without loading
// TypeBox or any agent code (and the topology layer imports nothing from agents/).
export const KNOWN_AGENTS = ["sentiment", "pii", "insights", "summary", "validator", "embedding", "generator"] as const;
export type KnownAgent = (typeof KNOWN_AGENTS)[number];
