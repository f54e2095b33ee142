// A dotted path into a record value (`customer.tier`), shared by conditions, keyBy and dedupe, and
// the one rule for turning a record field into a key.
export function field(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A record field as a key: strings and numbers only; anything else is no key (callers fall back to the record's key). */
export function scalarKey(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}
