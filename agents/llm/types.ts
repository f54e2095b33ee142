// The LLM client contract lives in the engine (engine/contracts/llm.ts), which hands a client to
// agents; the gateway in this folder implements it. Re-exported here for the gateway and providers.
export type { LlmClient, LlmRequest, LlmResponse, LlmUsage, Priority } from "../../engine/contracts/llm.ts";
