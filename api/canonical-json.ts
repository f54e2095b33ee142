// A canonical JSON text for a parsed value: object keys sorted at every level, no whitespace, so
// two bodies that mean the same (keys in another order, other spacing) compare equal. Used to
// fingerprint bodies for Idempotency-Key. Depth is bounded by the body scan (api/json-scan.ts)
// before any value gets here.

/**
 * @example
 * canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // → '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
