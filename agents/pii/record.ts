// Redacts a whole record, not only its text: metadata (nested objects and arrays, keys and numbers
// included, to a bounded depth) and every other field that is not an id. What it returns is the
// record every node after the pii agent sees (AgentResult.record), and the findings, each with its
// field, span and redacted form but never the value.
import { recognize, type Finding, type PiiType } from "./recognizers.ts";
import { redact, replacement, type RedactionMode } from "./redaction.ts";
import type { PiiConfig } from "./config.ts";

export interface PiiFinding {
  type: PiiType;
  /** JSON pointer of the scanned field: `/text`, `/metadata/customer/email`, `/channel`. */
  field: string;
  start: number;
  end: number;
  confidence: number;
  context: string[];
  /** What replaced the value in the record: `[EMAIL]`, `****`, or `<EMAIL:keyed hash>`. */
  redacted: string;
}

/** Fields passed on unscanned: ids and the tenant have a validated shape (agents/message.ts) and must not carry personal data. */
const NOT_SCANNED = new Set(["id", "conversationId", "tenant", "timestamp"]);
/** Metadata deeper than this is replaced by TRUNCATED rather than passed on unscanned. */
export const MAX_DEPTH = 8;
export const TRUNCATED = "[TRUNCATED]";

const segment = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");

class Scanner {
  readonly findings: PiiFinding[] = [];
  private readonly drop: Set<string>;
  constructor(private readonly cfg: PiiConfig) {
    this.drop = new Set(cfg.drop);
  }

  /** Records the findings of one string and returns it redacted. */
  apply(s: string, field: string, found: Finding[], context: string[] = []): string {
    const mode = this.cfg.mode as RedactionMode;
    for (const f of found) this.findings.push({ ...f, context: [...f.context, ...context], field, redacted: replacement(f.type, s.slice(f.start, f.end), mode) });
    return found.length ? redact(s, found, mode) : s;
  }

  string(s: string, field: string, context?: string[]): string {
    return this.apply(s, field, recognize(s, this.cfg.minConfidence), context);
  }

  /** A scanned copy of `v`; undefined means the value is left out. */
  value(v: unknown, field: string, depth: number): unknown {
    if (typeof v === "string") return this.string(v, field);
    if (typeof v === "number" && Number.isFinite(v)) {
      // A card number or phone sent as a JSON number is still one; it comes back as its redacted string.
      const s = String(v);
      const found = recognize(s, this.cfg.minConfidence);
      return found.length ? this.apply(s, field, found) : v;
    }
    if (v === null || typeof v !== "object") return v;
    if (depth >= MAX_DEPTH) return TRUNCATED;
    if (Array.isArray(v)) return v.map((x, i) => this.value(x, `${field}/${i}`, depth + 1) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (this.drop.has(k)) continue;
      // A key can be personal data too ({"jane@x.org": ...}): its findings point at the parent (marked
      // "key" in context) and the pointers below it use the redacted key.
      const key = this.string(k, field, ["key"]);
      const y = this.value(x, `${field}/${segment(key)}`, depth + 1);
      if (y !== undefined) out[key] = y;
    }
    return out;
  }
}

/**
 * The redacted record and every finding. `textFindings` are the findings in `text` (the caller may
 * add the model's); every other field is scanned with the recognisers.
 * @example redactRecord({ id: "m1", conversationId: "c1", tenant: "acme", text: "mail a@b.co" }, cfg, recognize("mail a@b.co"))
 */
export function redactRecord(input: Record<string, unknown>, cfg: PiiConfig, textFindings: Finding[]): { record: Record<string, unknown>; findings: PiiFinding[] } {
  const scan = new Scanner(cfg);
  const record: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    // Only this agent writes the vault; one arriving with the input is not trusted and not passed on.
    if (k === "vault") continue;
    if (NOT_SCANNED.has(k)) record[k] = v;
    else if (k === "text" && typeof v === "string") record.text = scan.apply(v, "/text", textFindings);
    else if (k === "metadata" && cfg.metadata === "drop") continue;
    else {
      const y = scan.value(v, `/${segment(k)}`, k === "metadata" ? 0 : 1);
      if (y !== undefined) record[k] = y;
    }
  }
  return { record, findings: scan.findings };
}
