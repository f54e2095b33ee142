// A job's output schema: the JSON Schema subset weir checks samples against (object of string,
// number, integer, boolean, enum and array-of-those fields, with their bounds), turned into TypeBox so
// one compiled validator checks every sample. Anything outside the subset is refused up front with
// the field and the reason, rather than silently not checked.
import { Type, type TSchema } from "@sinclair/typebox";
import type { FieldIssue } from "../../engine/errors.ts";

type Json = Record<string, unknown>;
const BOUNDS: Record<string, string[]> = {
  string: ["minLength", "maxLength", "pattern"],
  number: ["minimum", "maximum"],
  integer: ["minimum", "maximum"],
  boolean: [],
  array: ["minItems", "maxItems"],
};

function field(s: unknown, path: string, issues: FieldIssue[], depth: number): TSchema | undefined {
  if (!s || typeof s !== "object" || Array.isArray(s)) return void issues.push({ path, message: "must be a JSON schema object" });
  const o = s as Json;
  if (Array.isArray(o.enum)) {
    if (!o.enum.length || !o.enum.every((v) => ["string", "number", "boolean"].includes(typeof v))) return void issues.push({ path: `${path}/enum`, message: "must list strings, numbers or booleans" });
    return Type.Union(o.enum.map((v) => Type.Literal(v as string)));
  }
  const type = o.type;
  if (typeof type !== "string" || !(type in BOUNDS)) return void issues.push({ path: `${path}/type`, message: "must be one of: string, number, integer, boolean, array (or use enum)" });
  const opts: Json = {};
  for (const k of BOUNDS[type]) if (o[k] !== undefined) opts[k] = o[k];
  if (type === "string") return Type.String(opts);
  if (type === "number") return Type.Number(opts);
  if (type === "integer") return Type.Integer(opts);
  if (type === "boolean") return Type.Boolean();
  if (depth > 2) return void issues.push({ path, message: "arrays nest at most two deep" });
  const items = field(o.items, `${path}/items`, issues, depth + 1);
  return items && Type.Array(items, opts);
}

/** Converts a JSON Schema object (the subset above) to TypeBox, or lists what is wrong with it. */
export function toTypeBox(schema: unknown, base = "/schema"): { schema?: TSchema; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const s = schema as Json;
  if (!s || typeof s !== "object" || s.type !== "object" || !s.properties || typeof s.properties !== "object") {
    return { issues: [{ path: base, message: 'must be {"type": "object", "properties": {...}}' }] };
  }
  const required = new Set(Array.isArray(s.required) ? (s.required as unknown[]).map(String) : []);
  const props: Record<string, TSchema> = {};
  const entries = Object.entries(s.properties as Json);
  if (!entries.length || entries.length > 50) issues.push({ path: `${base}/properties`, message: "must have 1 to 50 fields" });
  for (const [name, p] of entries) {
    const t = field(p, `${base}/properties/${name}`, issues, 0);
    if (t) props[name] = required.has(name) ? t : Type.Optional(t);
  }
  for (const r of required) if (!(r in props) && !issues.some((i) => i.path.endsWith(`/${r}`))) issues.push({ path: `${base}/required`, message: `names "${r}", which is not a property` });
  return issues.length ? { issues } : { schema: Type.Object(props), issues };
}
