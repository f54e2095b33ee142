// Agents are written against the engine's agent contract (engine/contracts/agent.ts); this file
// keeps the short import path agents and their tests have always used.
export type { AgentContext, AgentDefinition, AgentFn, AgentResult, Implementation, PromptTemplate } from "../engine/contracts/agent.ts";
export { defineAgent } from "../engine/contracts/agent.ts";
