// The pii agent: finds personal data with checksums and context, and returns the record redacted
// (text, metadata and every other non-id field) for everything downstream of it. Its findings carry
// where and what kind, and the redacted form, never the value. It remembers per conversation which
// kinds of PII were seen. Keeping the original is an explicit opt-in (config keepOriginal, vault.ts).
import { Type } from "@sinclair/typebox";
import { defineAgent } from "../agent.ts";
import { SupportMessage } from "../message.ts";
import { recognize, type Finding, type PiiType } from "./recognizers.ts";
import { redactRecord } from "./record.ts";
import { parsePiiConfig } from "./config.ts";
import { seal } from "./vault.ts";
import { askLlm } from "../llm-call.ts";
import type { AgentContext, AgentResult, PromptTemplate } from "../agent.ts";
import type { Static } from "@sinclair/typebox";

/** The model is asked only for what patterns cannot see (names, addresses, dates of birth); structured identifiers stay with the checksummed recognisers. */
export const PII_PROMPT: PromptTemplate = {
  id: "pii",
  version: 1,
  system: "You find personal data in customer support messages that patterns miss: person names, postal addresses and dates of birth. Quote each value exactly as it appears in the text. Answer with JSON only.",
  render: (input) => `Message:\n${(input as { text: string }).text}\n\nReturn {"findings": [{"type": "name"|"address"|"dob", "value": "..."}]}.`,
};
const LlmPii = Type.Object({ findings: Type.Array(Type.Object({ type: Type.Union([Type.Literal("name"), Type.Literal("address"), Type.Literal("dob")]), value: Type.String({ minLength: 1 }) })) });

const PiiType = Type.Union(["email", "phone", "card", "iban", "ssn", "ip", "dob", "address", "name"].map((t) => Type.Literal(t)));
export const PiiFindingSchema = Type.Object(
  {
    type: PiiType,
    /** JSON pointer of the field the span is in: `/text`, `/metadata/...`. */
    field: Type.String(),
    start: Type.Integer({ minimum: 0 }),
    end: Type.Integer({ minimum: 0 }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    context: Type.Array(Type.String()),
    /** The replacement in the record: a tag, a mask, or a keyed hash; never the value. */
    redacted: Type.String(),
  },
  { additionalProperties: false },
);
export const PiiOutput = Type.Object({
  findings: Type.Array(PiiFindingSchema),
  /** The redacted text (the same as the record's `text`). */
  redacted: Type.String(),
  mode: Type.Union([Type.Literal("mask"), Type.Literal("hash"), Type.Literal("tag")]),
});
export const PiiState = Type.Object({ types: Type.Array(Type.String()), count: Type.Integer({ minimum: 0 }) });

type Out = AgentResult<Static<typeof PiiOutput>, Static<typeof PiiState>>;

/** Redacts the record given the findings in its text; seals the original when the topology opted in. */
async function result(input: SupportMessage, ctx: AgentContext<Static<typeof PiiState>>, rawConfig: unknown, textFindings: Finding[]): Promise<Out> {
  const cfg = parsePiiConfig(rawConfig);
  const { record, findings } = redactRecord(input as Record<string, unknown>, cfg, textFindings);
  if (cfg.keepOriginal) record.vault = await seal(input, cfg.keepOriginal.vault, String(input.tenant ?? "default"), String(input.id));
  const types = [...new Set([...ctx.state.types, ...findings.map((f) => f.type)])];
  return { output: { findings, redacted: String(record.text ?? ""), mode: cfg.mode }, state: { types, count: ctx.state.count + findings.length }, record };
}

export const pii = defineAgent({
  name: "pii",
  description: "Detects and redacts personal data in text and metadata: emails, phones, cards (Luhn), IBANs (mod-97), SSNs, IPs, dates of birth, addresses, names.",
  input: SupportMessage,
  output: PiiOutput,
  state: PiiState,
  initialState: () => ({ types: [], count: 0 }),
  prompt: PII_PROMPT,
  async llm(input, ctx, config: Record<string, unknown>) {
    const cfg = parsePiiConfig(config);
    const found = recognize(input.text, cfg.minConfidence);
    const extra = await askLlm<{ findings: Array<{ type: PiiType; value: string }> }>("pii", PII_PROMPT, LlmPii, input, ctx as AgentContext<unknown>);
    // Model findings are located in the text (values it invented are dropped) and never override a pattern match.
    for (const f of extra.findings) {
      const start = input.text.indexOf(f.value);
      if (start < 0) continue;
      const end = start + f.value.length;
      if (found.some((g) => start < g.end && g.start < end)) continue;
      found.push({ type: f.type, start, end, confidence: 0.75, context: ["llm"] });
    }
    found.sort((a, b) => a.start - b.start);
    return result(input, ctx, config, found);
  },
  offline(input, ctx, config: Record<string, unknown>) {
    return result(input, ctx, config, recognize(input.text, parsePiiConfig(config).minConfidence));
  },
});
