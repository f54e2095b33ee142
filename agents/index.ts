// The agent registry: topology files name agents by these keys. The names themselves are listed
// once, in topology/known-agents.ts (the topology schema validates against it without loading any
// agent code); `satisfies` below makes this registry fail to compile when it and that list differ.
import type { KnownAgent } from "../topology/known-agents.ts";
import type { AgentDefinition } from "./agent.ts";
import { embedding } from "./embedding.ts";
import { generator } from "./generation/generator.ts";
import { insights } from "./insights.ts";
import { pii } from "./pii/agent.ts";
import { sentiment } from "./sentiment.ts";
import { summary } from "./summary.ts";
import { validatorAgent } from "./validator.ts";

export const AGENTS: Record<string, AgentDefinition> = {
  sentiment: sentiment as unknown as AgentDefinition,
  pii: pii as unknown as AgentDefinition,
  insights: insights as unknown as AgentDefinition,
  summary: summary as unknown as AgentDefinition,
  embedding: embedding as unknown as AgentDefinition,
  generator: generator as unknown as AgentDefinition,
  validator: undefined as unknown as AgentDefinition,
} satisfies Record<KnownAgent, AgentDefinition>;
AGENTS.validator = validatorAgent(() => AGENTS) as unknown as AgentDefinition;

export type { AgentDefinition } from "./agent.ts";
export { SOURCE_SCHEMAS } from "./schemas.ts";
export { redactText } from "./pii/redaction.ts";
