// The shared LLM path of an agent: render the versioned prompt, ask the gateway for structured
// output, then extract, repair and validate it, re-asking with the errors at most twice.
import type { TSchema } from "@sinclair/typebox";
import { WeirError } from "../engine/errors.ts";
import type { AgentContext, PromptTemplate } from "./agent.ts";
import { parseLlmOutput } from "./validator.ts";

export async function askLlm<T>(agent: string, prompt: PromptTemplate, schema: TSchema, input: unknown, ctx: AgentContext<unknown>): Promise<T> {
  if (!ctx.llm) throw new WeirError("LLM_UNAVAILABLE", `agent ${agent}: implementation "llm" chosen but no LLM provider is configured`, { retriable: false });
  const base = { agent, tenant: ctx.tenant, promptId: `${prompt.id}@v${prompt.version}`, system: prompt.system, schema, schemaName: `${agent}_result`, signal: ctx.signal, traceparent: ctx.traceparent };
  const user = prompt.render(input, ctx.state);
  const first = await ctx.llm.complete({ ...base, prompt: user });
  const { value } = await parseLlmOutput<T>(schema, first.text, async (issues, previous) => {
    const again = await ctx.llm!.complete({ ...base, prompt: `${user}\n\nYour previous answer was:\n${previous}\nIt was invalid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}. Answer again with JSON only.` });
    return again.text;
  });
  return value;
}
