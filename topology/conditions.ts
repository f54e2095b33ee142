// Checks a filter's `where` at load time, so a condition that could only fail at run time (a bad
// regular expression, an operator that does not exist, `in` without a list) is reported by
// `weir validate` with its location instead of stopping a running pipeline.
// `matches` patterns are JavaScript RegExp source, compiled as `new RegExp(value)` (no flags);
// case-insensitivity is written inline as `(?i:...)`, which JavaScript accepts. PCRE's `(?i)` prefix
// is not JavaScript syntax, so it gets an error that shows the JavaScript spelling.
import { CONDITION_OPS } from "./schema.ts";

export interface ConditionIssue {
  path: Array<string | number>;
  message: string;
  expected?: string;
}

const OPS = CONDITION_OPS as readonly string[];
const NUMERIC = new Set(["gt", "gte", "lt", "lte"]);
const OP_LIST = `one of ${OPS.join(", ")}`;

/** Compiles a `matches` pattern; returns why it cannot be used, or undefined when it compiles. */
export function regexProblem(pattern: unknown): { message: string; expected: string } | undefined {
  const expected = "a JavaScript regular expression, e.g. \"refund|chargeback\" or \"(?i:refund)\" for any case";
  if (typeof pattern !== "string") return { message: `matches needs a string pattern, got ${JSON.stringify(pattern) ?? "nothing"}`, expected };
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (inline) {
    const rest = pattern.slice(inline[0].length);
    const fix = /^[ims]+$/.test(inline[1]) ? `write "(?${inline[1]}:${rest})" instead` : "JavaScript has only the i, m and s modifiers, as (?i:...)";
    return { message: `"(?${inline[1]})" at the start of a pattern is PCRE syntax, not JavaScript: ${fix}`, expected };
  }
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return { message: `pattern ${JSON.stringify(pattern)} does not compile: ${(e as Error).message}`, expected };
  }
}

function conditionIssues(c: unknown, path: Array<string | number>): ConditionIssue[] {
  if (!c || typeof c !== "object" || Array.isArray(c)) return [{ path, message: `a condition must be a mapping, got ${JSON.stringify(c)}`, expected: "{ field, op, value }" }];
  const cond = c as Record<string, unknown>;
  const out: ConditionIssue[] = [];
  for (const k of Object.keys(cond)) if (!["field", "op", "value"].includes(k)) out.push({ path: [...path, k], message: `unknown field "${k}" in a condition`, expected: "field, op, value" });
  if (typeof cond.field !== "string" || !cond.field) out.push({ path: [...path, "field"], message: "required field is missing", expected: "a record field, e.g. text or metadata.plan" });
  const op = cond.op;
  if (typeof op !== "string" || !OPS.includes(op)) {
    out.push({ path: [...path, "op"], message: op === undefined ? "required field is missing" : `unknown operator ${JSON.stringify(op)}`, expected: OP_LIST });
    return out;
  }
  const value = cond.value;
  if (op === "matches") {
    const p = regexProblem(value);
    if (p) out.push({ path: [...path, "value"], ...p });
  } else if (op === "in" && !Array.isArray(value)) out.push({ path: [...path, "value"], message: `op in needs a list, got ${JSON.stringify(value) ?? "nothing"}`, expected: "a list, e.g. [billing, refund]" });
  else if (NUMERIC.has(op) && typeof value !== "number") out.push({ path: [...path, "value"], message: `op ${op} compares numbers, got ${JSON.stringify(value) ?? "nothing"}`, expected: "a number" });
  else if ((op === "eq" || op === "ne") && value === undefined) out.push({ path: [...path, "value"], message: `op ${op} needs a value`, expected: "the value to compare with" });
  return out;
}

/**
 * Every problem of a filter's `where`: one condition, or `{all: [...]}` / `{any: [...]}` of them.
 * @example
 * whereIssues({ field: "text", op: "matches", value: "(" }, ["operators", 0, "where"]);
 * // → [{ path: [..., "value"], message: 'pattern "(" does not compile: ...', expected: ... }]
 */
export function whereIssues(where: unknown, path: Array<string | number>): ConditionIssue[] {
  if (!where || typeof where !== "object" || Array.isArray(where)) return [{ path, message: `where must be a mapping, got ${JSON.stringify(where)}`, expected: "{ field, op, value }, { all: [...] } or { any: [...] }" }];
  const w = where as Record<string, unknown>;
  const group = "all" in w ? "all" : "any" in w ? "any" : undefined;
  if (!group) return conditionIssues(w, path);
  const out: ConditionIssue[] = [];
  for (const k of Object.keys(w)) if (k !== group) out.push({ path: [...path, k], message: `unknown field "${k}" beside ${group}`, expected: `only ${group}` });
  const list = w[group];
  if (!Array.isArray(list) || !list.length) out.push({ path: [...path, group], message: `${group} needs a non-empty list of conditions`, expected: "[{ field, op, value }, ...]" });
  else list.forEach((c, i) => out.push(...conditionIssues(c, [...path, group, i])));
  return out;
}
