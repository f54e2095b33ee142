// Topology and config values may name an environment variable instead of holding a secret or a URL
// (`url: env:DATABASE_URL`). Resolved here, once, so every reader means the same thing by it.

const PREFIX = "env:";

/** The variable a value refers to (`env:NAME` → "NAME"), or undefined for a literal value. */
export function envRefName(value: string | undefined): string | undefined {
  return value?.startsWith(PREFIX) ? value.slice(PREFIX.length) : undefined;
}

/**
 * `env:NAME` → env.NAME (undefined when unset or empty); any other value as it is.
 * @example
 * resolveEnvRef("env:ELASTICSEARCH_URL", process.env); // the variable's value
 * resolveEnvRef("http://localhost:9200"); // "http://localhost:9200"
 */
export function resolveEnvRef(value: string | undefined, env: Record<string, string | undefined> = process.env): string | undefined {
  const name = envRefName(value);
  if (name === undefined) return value;
  return env[name] || undefined;
}
