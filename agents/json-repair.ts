// Multi-pass JSON extraction and repair for LLM output: code fences, prose around the object,
// trailing commas, single quotes, unquoted keys, smart quotes, and truncated closing brackets.

export interface Extracted {
  value: unknown;
  /** Which repairs were needed, in order. */
  repairs: string[];
}

function tryParse(s: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

/** The first balanced {...} or [...] in the text (or everything from the first opener if it never closes). */
function firstBlock(text: string): string | null {
  const start = text.search(/[{[]/);
  if (start < 0) return null;
  const stack: string[] = [];
  let inStr: string | null = null;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inStr) {
      if (ch === "\\") i++;
      else if (ch === inStr) inStr = null;
      continue;
    }
    if (ch === '"' || ch === "'") inStr = ch;
    else if (ch === "{" || ch === "[") stack.push(ch === "{" ? "}" : "]");
    else if (ch === "}" || ch === "]") {
      stack.pop();
      if (!stack.length) return text.slice(start, i + 1);
    }
  }
  return text.slice(start);
}

function closeBrackets(s: string): string {
  const stack: string[] = [];
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inStr) {
      if (ch === "\\") i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === "{") stack.push("}");
    else if (ch === "[") stack.push("]");
    else if (ch === "}" || ch === "]") stack.pop();
  }
  let out = s;
  if (inStr) out += '"';
  out = out.replace(/,\s*$/, "");
  return out + stack.reverse().join("");
}

/** Extracts a JSON value from model output, repairing common defects; throws when nothing parses. */
export function extractJson(text: string): Extracted {
  const repairs: string[] = [];
  let s = text.trim();
  const direct = tryParse(s);
  if (direct.ok) return { value: direct.value, repairs };
  const fence = /```(?:json|JSON)?\s*([\s\S]*?)(?:```|$)/.exec(s);
  if (fence) {
    s = fence[1].trim();
    repairs.push("code-fence");
    const p = tryParse(s);
    if (p.ok) return { value: p.value, repairs };
  }
  const block = firstBlock(s);
  if (block !== null && block !== s) {
    s = block;
    repairs.push("surrounding-text");
    const p = tryParse(s);
    if (p.ok) return { value: p.value, repairs };
  }
  const steps: Array<[string, (x: string) => string]> = [
    ["smart-quotes", (x) => x.replace(/[“”]/g, '"').replace(/[‘’]/g, "'")],
    ["single-quotes", (x) => x.replace(/'([^'\\]*(?:\\.[^'\\]*)*)'/g, (_, inner: string) => JSON.stringify(inner.replace(/\\'/g, "'")))],
    ["unquoted-keys", (x) => x.replace(/([{,]\s*)([A-Za-z_$][\w$-]*)\s*:/g, '$1"$2":')],
    ["trailing-commas", (x) => x.replace(/,\s*([}\]])/g, "$1")],
    ["python-literals", (x) => x.replace(/\bTrue\b/g, "true").replace(/\bFalse\b/g, "false").replace(/\bNone\b/g, "null")],
    ["truncated", closeBrackets],
  ];
  for (const [name, fix] of steps) {
    const next = fix(s);
    if (next !== s) {
      s = next;
      repairs.push(name);
      const p = tryParse(s);
      if (p.ok) return { value: p.value, repairs };
    }
  }
  throw new SyntaxError(`no JSON could be extracted (tried: ${repairs.join(", ") || "plain parse"})`);
}
