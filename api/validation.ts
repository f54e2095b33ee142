// Checks a parsed body against a TypeBox schema and describes every problem by field and reason,
// never by value: "must be one of: customer, agent, bot", not "found: 4111111111111111". The
// single-message and batch endpoints use the same validator, so they say the same thing.
import type { TSchema, Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import type { FieldIssue } from "../engine/errors.ts";

const kind = (s: TSchema) => (s as unknown as Record<symbol, unknown>)[Symbol.for("TypeBox.Kind")] as string | undefined;
const list = (vs: unknown[]) => vs.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");

/** The reason for one error, from the schema alone (the value is never quoted). */
function reason(e: ValueError): string {
  const s = e.schema as TSchema & Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty: return "is required";
    case ValueErrorType.ObjectAdditionalProperties: return "is not a known field";
    case ValueErrorType.String: return "must be a string";
    case ValueErrorType.StringMinLength: return s.minLength === 1 ? "must not be empty" : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength: return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringPattern: return typeof s.rule === "string" ? `must be ${s.rule}` : "has characters that are not allowed";
    case ValueErrorType.Number: return "must be a number";
    case ValueErrorType.Integer: return "must be an integer";
    case ValueErrorType.NumberMinimum: case ValueErrorType.IntegerMinimum: return `must be at least ${s.minimum}`;
    case ValueErrorType.NumberMaximum: case ValueErrorType.IntegerMaximum: return `must be at most ${s.maximum}`;
    case ValueErrorType.Boolean: return "must be true or false";
    case ValueErrorType.Object: return "must be an object";
    case ValueErrorType.ObjectMaxProperties: return `must have at most ${s.maxProperties} fields`;
    case ValueErrorType.Array: return "must be an array";
    case ValueErrorType.ArrayMinItems: return `must have at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}`;
    case ValueErrorType.ArrayMaxItems: return `must have at most ${s.maxItems} items`;
    case ValueErrorType.Literal: return `must be ${list([s.const])}`;
    case ValueErrorType.Union: {
      const options = (s.anyOf as TSchema[]) ?? [];
      if (options.every((o) => kind(o) === "Literal")) return `must be one of: ${list(options.map((o) => (o as unknown as { const: unknown }).const))}`;
      return "does not match any allowed shape";
    }
    default: return `is invalid (${ValueErrorType[e.type]})`;
  }
}

/** One TypeBox error as a field issue (Elysia's own validation errors go through this too). */
export function issueOf(e: ValueError): FieldIssue {
  return { path: e.path || "/", message: reason(e) };
}

export interface Validator<T> {
  check(value: unknown): value is T;
  /** Every problem, one per field (the first reason for each path), in document order. */
  issues(value: unknown): FieldIssue[];
}

/**
 * A compiled validator whose issues never echo the value.
 * @example
 * const v = validator(IngestMessage);
 * v.issues({ text: 4111111111111111 }) // → [{ path: "/text", message: "must be a string" }]
 */
export function validator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    issues(value) {
      const out: FieldIssue[] = [];
      const seen = new Set<string>();
      for (const e of compiled.Errors(value)) {
        const path = e.path || "/";
        if (seen.has(path)) continue;
        seen.add(path);
        out.push({ path, message: reason(e) });
      }
      return out;
    },
  };
}
