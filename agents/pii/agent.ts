// The pii agent: finds personal data with checksums and context, redacts it (mask, hash or tag),
// and remembers per conversation which kinds of PII were seen.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "../agent.ts";
import { SupportMessage } from "../message.ts";
import { recognize, redact, type Finding, type PiiType, type RedactionMode } from "./recognizers.ts";
import { askLlm } from "../llm-call.ts";
import type { AgentContext, PromptTemplate } from "../agent.ts";

/** The model is asked only for what patterns cannot see (names, addresses, dates of birth); structured identifiers stay with the checksummed recognisers. */
export const PII_PROMPT: PromptTemplate = {
  id: "pii",
  version: 1,
  system: "You find personal data in customer support messages that patterns miss: person names, postal addresses and dates of birth. Quote each value exactly as it appears in the text. Answer with JSON only.",
  render: (input) => `Message:\n${(input as { text: string }).text}\n\nReturn {"findings": [{"type": "name"|"address"|"dob", "value": "..."}]}.`,
};
const LlmPii = Type.Object({ findings: Type.Array(Type.Object({ type: Type.Union([Type.Literal("name"), Type.Literal("address"), Type.Literal("dob")]), value: Type.String({ minLength: 1 }) })) });

const PiiType = Type.Union(["email", "phone", "card", "iban", "ssn", "ip", "dob", "address", "name"].map((t) => Type.Literal(t)));
export const PiiOutput = Type.Object({
  findings: Type.Array(Type.Object({ type: PiiType, start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }), value: Type.String(), confidence: Type.Number({ minimum: 0, maximum: 1 }), context: Type.Array(Type.String()) })),
  redacted: Type.String(),
  mode: Type.Union([Type.Literal("mask"), Type.Literal("hash"), Type.Literal("tag")]),
});
export const PiiState = Type.Object({ types: Type.Array(Type.String()), count: Type.Integer({ minimum: 0 }) });

export const pii = defineAgent({
  name: "pii",
  description: "Detects and redacts personal data: emails, phones, cards (Luhn), IBANs (mod-97), SSNs, IPs, dates of birth, addresses, names.",
  input: SupportMessage,
  output: PiiOutput,
  state: PiiState,
  initialState: () => ({ types: [], count: 0 }),
  prompt: PII_PROMPT,
  async llm(input, ctx, config: { mode?: RedactionMode; minConfidence?: number }) {
    const found = recognize(input.text, config.minConfidence ?? 0.5);
    const extra = await askLlm<{ findings: Array<{ type: PiiType; value: string }> }>("pii", PII_PROMPT, LlmPii, input, ctx as AgentContext<unknown>);
    // Model findings are located in the text (values it invented are dropped) and never override a pattern match.
    for (const f of extra.findings) {
      const start = input.text.indexOf(f.value);
      if (start < 0) continue;
      const end = start + f.value.length;
      if (found.some((g) => start < g.end && g.start < end)) continue;
      found.push({ type: f.type, start, end, value: f.value, confidence: 0.75, context: ["llm"] } satisfies Finding);
    }
    found.sort((a, b) => a.start - b.start);
    const mode = config.mode ?? "tag";
    return { output: { findings: found, redacted: redact(input.text, found, mode), mode }, state: { types: [...new Set([...ctx.state.types, ...found.map((f) => f.type)])], count: ctx.state.count + found.length } };
  },
  offline(input, ctx, config: { mode?: RedactionMode; minConfidence?: number }) {
    const findings = recognize(input.text, config.minConfidence ?? 0.5);
    const mode = config.mode ?? "tag";
    const types = [...new Set([...ctx.state.types, ...findings.map((f) => f.type)])];
    return { output: { findings, redacted: redact(input.text, findings, mode), mode }, state: { types, count: ctx.state.count + findings.length } };
  },
});
