// Output validation for every agent: compiled TypeBox validators, JSON extraction and repair for
// LLM text, and a bounded re-ask with the validation errors. The validator agent marks each
// upstream output valid or invalid, so invalid output never reaches the aggregator unmarked.
import { Type, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { WeirError } from "../engine/errors.ts";
import { defineAgent, type AgentDefinition } from "./agent.ts";
import { extractJson } from "./json-repair.ts";
import { SupportMessage } from "./message.ts";

export interface OutputIssue {
  path: string;
  message: string;
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
export function compile(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

export function validate(schema: TSchema, value: unknown): OutputIssue[] {
  const c = compile(schema);
  return c.Check(value) ? [] : [...c.Errors(value)].slice(0, 20).map((e) => ({ path: e.path || "/", message: e.message }));
}

/**
 * Turns LLM text into a value that matches `schema`: extract and repair JSON, validate, and if
 * invalid ask again (at most `maxReasks` times) with the errors. Throws LLM_BAD_OUTPUT otherwise.
 */
export async function parseLlmOutput<T>(schema: TSchema, text: string, reask: (issues: OutputIssue[], previous: string) => Promise<string>, maxReasks = 2): Promise<{ value: T; repairs: string[]; reasks: number }> {
  let current = text;
  for (let attempt = 0; ; attempt++) {
    let issues: OutputIssue[];
    let repairs: string[] = [];
    try {
      const ex = extractJson(current);
      repairs = ex.repairs;
      issues = validate(schema, ex.value);
      if (!issues.length) return { value: ex.value as T, repairs, reasks: attempt };
    } catch (e) {
      issues = [{ path: "/", message: (e as Error).message }];
    }
    if (attempt >= maxReasks) throw new WeirError("LLM_BAD_OUTPUT", `model output did not match the schema after ${attempt} re-ask(s): ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, { retriable: false, details: { issues } });
    current = await reask(issues, current);
  }
}

export const ValidatorOutput = Type.Object({
  valid: Type.Boolean(),
  checked: Type.Array(Type.Object({ agent: Type.String(), valid: Type.Boolean(), issues: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })) })),
});

/** The validator agent, bound to the registry whose output schemas it checks. */
export function validatorAgent(registry: () => Record<string, AgentDefinition>) {
  return defineAgent({
    name: "validator",
    description: "Checks every upstream agent output against that agent's schema and marks it valid or invalid.",
    input: Type.Intersect([SupportMessage, Type.Object({})]),
    output: ValidatorOutput,
    state: Type.Object({ invalid: Type.Integer({ minimum: 0 }) }),
    initialState: () => ({ invalid: 0 }),
    offline(input, ctx) {
      const upstream = ((ctx as { upstream?: Record<string, unknown> }).upstream ?? {}) as Record<string, unknown>;
      const reg = registry();
      const checked = Object.entries(upstream).map(([agent, output]) => {
        const def = reg[agent];
        const issues = def ? validate(def.output, output) : [{ path: "/", message: `no schema for agent ${agent}` }];
        return { agent, valid: issues.length === 0, issues };
      });
      // The message itself is checked too, so a malformed record is flagged even with no upstream output.
      const own = validate(SupportMessage, input);
      if (own.length) checked.push({ agent: "message", valid: false, issues: own });
      const valid = checked.every((c) => c.valid);
      return { output: { valid, checked }, state: { invalid: ctx.state.invalid + (valid ? 0 : 1) } };
    },
  });
}
