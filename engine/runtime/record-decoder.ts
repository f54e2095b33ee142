// Turns a consumed Kafka record into the value a pipeline works on, by the source's serde: JSON
// objects, stage-crossing envelopes, text, or bytes (base64), checked against the source's schema.
// A record that cannot be decoded throws a WeirError; the runtime dead-letters it.
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import type { TSchema } from "@sinclair/typebox";
import { ValidationError, WeirError } from "../errors.ts";
import type { ConsumedMessage } from "../kafka/types.ts";
import type { Topology } from "../../topology/schema.ts";

type Source = Topology["sources"][number];
import type { StageEnvelope } from "./envelope.ts";

const dec = new TextDecoder();

export interface Decoded {
  value: Record<string, unknown>;
  /** Set for records that crossed from another stage. */
  crossing?: StageEnvelope;
}

export class RecordDecoder {
  private readonly check?: TypeCheck<TSchema>;

  /** `named` resolves a source's schema given by name (`schema: SupportMessage`; engine/schemas/registry.ts). */
  constructor(
    private readonly source: Source,
    named: (name: string) => TSchema | undefined,
  ) {
    const s = source.schema;
    const byName = typeof s === "string" ? named(s) : undefined;
    if (typeof s === "string" && !byName) throw new WeirError("TOPOLOGY_INVALID", `source "${source.name}": unknown schema "${s}"`);
    if (byName) this.check = TypeCompiler.Compile(byName);
    else if (s && typeof s === "object") this.check = TypeCompiler.Compile(s as TSchema);
  }

  decode(msg: ConsumedMessage): Decoded {
    const { serde } = this.source;
    let value: Record<string, unknown>;
    let crossing: StageEnvelope | undefined;
    try {
      const text = msg.value ? dec.decode(msg.value) : "";
      if (serde === "envelope") {
        crossing = JSON.parse(text) as StageEnvelope;
        if (!crossing || typeof crossing.value !== "object" || !crossing.value || typeof crossing.outputs !== "object") throw new Error("a stage envelope {value, outputs} was expected");
        value = crossing.value;
      } else if (serde === "json" || !serde) value = JSON.parse(text);
      // Non-JSON records become { value }: the text, or for bytes the base64 of the raw value.
      else value = { value: serde === "bytes" ? Buffer.from(msg.value ?? new Uint8Array()).toString("base64") : text };
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("a JSON object was expected");
    } catch (e) {
      // The parser's message can quote the record's content: only its kind goes into the error.
      throw new WeirError("SERDE_FAILED", `cannot decode record of ${msg.topic}: ${e instanceof SyntaxError ? "invalid JSON" : (e as Error).message}`);
    }
    if (this.check && !this.check.Check(value)) {
      const issues = [...this.check.Errors(value)].slice(0, 10).map((e) => ({ path: e.path, message: e.message }));
      throw new ValidationError("VALIDATION_FAILED", `record does not match schema: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
    }
    return { value, crossing };
  }
}
