// Named record schemas: a topology source may say `schema: SupportMessage`, and the pipeline
// validates its records against the schema registered under that name. The schemas themselves
// belong to the application (agents/schemas.ts), so the engine keeps only this registry and the
// composition root (app/compose.ts; test/setup.ts for tests) fills it before a pipeline starts.
import type { TSchema } from "@sinclair/typebox";
import { WeirError } from "../errors.ts";

const schemas = new Map<string, TSchema>();

/**
 * Makes `schema` available to topologies under `name`. Registering the same schema again is a
 * no-op; a different schema under a taken name is a configuration error.
 * @example
 * registerSchema("SupportMessage", SupportMessage);
 */
export function registerSchema(name: string, schema: TSchema): void {
  const had = schemas.get(name);
  if (had && had !== schema) throw new WeirError("CONFIG_INVALID", `a different schema is already registered as ${name}`);
  schemas.set(name, schema);
}

/** Registers every entry of `named` (name → schema). */
export function registerSchemas(named: Record<string, TSchema>): void {
  for (const [name, schema] of Object.entries(named)) registerSchema(name, schema);
}

/** The schema registered under `name`, or undefined. */
export function namedSchema(name: string): TSchema | undefined {
  return schemas.get(name);
}

/** Names registered so far, for error messages and `weir validate`. */
export function schemaNames(): string[] {
  return [...schemas.keys()].sort();
}

/** Forgets `name` (tests that register a schema of their own). */
export function unregisterSchema(name: string): void {
  schemas.delete(name);
}
