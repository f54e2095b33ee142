// The pii agent: finds personal data with checksums and context, redacts it (mask, hash or tag),
// and remembers per conversation which kinds of PII were seen.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "../agent.ts";
import { SupportMessage } from "../message.ts";
import { recognize, redact, type RedactionMode } from "./recognizers.ts";

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
  offline(input, ctx, config: { mode?: RedactionMode; minConfidence?: number }) {
    const findings = recognize(input.text, config.minConfidence ?? 0.5);
    const mode = config.mode ?? "tag";
    const types = [...new Set([...ctx.state.types, ...findings.map((f) => f.type)])];
    return { output: { findings, redacted: redact(input.text, findings, mode), mode }, state: { types, count: ctx.state.count + findings.length } };
  },
});
