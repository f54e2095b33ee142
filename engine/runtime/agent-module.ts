// Your own agents: a topology names one by module path (`agent: ./agents/tagger.ts#tagger`,
// resolved against the topology file), and the module exports a definition of the same shape as the
// built-in ones (engine/contracts/agent.ts): input, output and state schemas, initialState, offline
// and optionally llm. It runs exactly like a built-in agent: one actor per key, state in a
// changelogged store. A reference that does not load, or does not export a definition, fails at
// start with the agent's reference and what is missing.
import { isAbsolute, resolve } from "node:path";
import { WeirError } from "../errors.ts";
import type { AgentDefinition } from "../contracts/agent.ts";

export async function loadAgentDefinition(ref: string, baseDir = process.cwd()): Promise<AgentDefinition> {
  const [file, exportName] = ref.split("#");
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let mod: Record<string, unknown>;
  try {
    mod = await import(path);
  } catch (e) {
    throw new WeirError("TOPOLOGY_INVALID", `agent "${ref}": cannot load module ${path}: ${(e as Error).message}`);
  }
  const def = mod[exportName] as Partial<AgentDefinition> | undefined;
  if (!def || typeof def !== "object") throw new WeirError("TOPOLOGY_INVALID", `agent "${ref}": ${path} has no exported definition "${exportName}" (exports: ${Object.keys(mod).join(", ") || "none"})`);
  const missing = [
    typeof def.name !== "string" && "name (a string)",
    (!def.output || typeof def.output !== "object") && "output (a TypeBox schema)",
    (!def.state || typeof def.state !== "object") && "state (a TypeBox schema)",
    typeof def.initialState !== "function" && "initialState()",
    typeof def.offline !== "function" && "offline(input, ctx, config)",
  ].filter(Boolean);
  if (missing.length) throw new WeirError("TOPOLOGY_INVALID", `agent "${ref}": the definition lacks ${missing.join(", ")} (see docs/agents.md, "Your own agents")`);
  return def as AgentDefinition;
}
