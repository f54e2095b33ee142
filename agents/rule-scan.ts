// Many patterns over one text in one pass. Testing fifty regular expressions one by one scans the
// text fifty times; joined into one alternation the engine scans it once and dispatches on the
// first character. `fired` tells which patterns match somewhere in the text. The scan restarts one
// character after each match, so patterns whose matches overlap are all seen; one that starts at
// the very position where another matched is caught by trying, at that position only, the
// alternatives in reverse order (a sticky match, not a second scan). A pattern is missed only when,
// at every place it matches, two other patterns (one listed before it and one after) match from the
// same character (within one chunk) — test/unit/agents/rule-scan.test.ts compares with one-by-one
// testing.

/**
 * The source with its capturing groups made non-capturing (outside character classes and escapes):
 * only the alternative's own group is needed, and every group costs a slot in each match.
 * Sources with backreferences or named groups keep theirs.
 */
export function withoutCaptures(source: string): string {
  if (/\\[1-9]|\(\?<[A-Za-z]/.test(source)) return source;
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      out += c + (source[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(" && source[i + 1] !== "?") {
      out += "(?:";
      continue;
    }
    out += c;
  }
  return out;
}

/** How many capturing groups a pattern source has (so the alternatives' group numbers are known). */
function groupCount(source: string): number {
  return new RegExp(`${source}|`).exec("")!.length - 1;
}

function joined(patterns: RegExp[], order: number[], flags: string) {
  const starts: number[] = [];
  let group = 1;
  const parts = order.map((k) => {
    const source = withoutCaptures(patterns[k].source);
    starts.push(group);
    group += 1 + groupCount(source);
    return `(${source})`;
  });
  return { re: new RegExp(parts.join("|"), flags), starts, order };
}

/**
 * Patterns per joined expression. Past a size JavaScriptCore stops compiling an expression to
 * machine code and interprets it, three times slower (measured: 79 support rules in one expression
 * took 15 µs a message, any 78 of them 5 µs); chunks of this size stay compiled.
 */
export const CHUNK = 16;

export class RuleScan {
  private readonly chunks: Array<{ forward: ReturnType<typeof joined>; reverse: ReturnType<typeof joined> }> = [];
  readonly size: number;

  /** All patterns must share case-sensitivity (an /i table is scanned case-insensitively). */
  constructor(patterns: RegExp[], caseInsensitive = patterns.every((p) => p.flags.includes("i"))) {
    this.size = patterns.length;
    for (let from = 0; from < patterns.length; from += CHUNK) {
      const idx = patterns.map((_, i) => i).slice(from, from + CHUNK);
      this.chunks.push({ forward: joined(patterns, idx, caseInsensitive ? "gi" : "g"), reverse: joined(patterns, [...idx].reverse(), caseInsensitive ? "yi" : "y") });
    }
  }

  private static mark(m: RegExpExecArray, pass: ReturnType<typeof joined>, out: Uint8Array) {
    for (let j = 0; j < pass.starts.length; j++)
      if (m[pass.starts[j]] !== undefined) {
        out[pass.order[j]] = 1;
        return;
      }
  }

  /** fired[k] is true when pattern k matches somewhere in `text`. */
  fired(text: string): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const { forward, reverse } of this.chunks) {
      const fwd = forward.re;
      const rev = reverse.re;
      fwd.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = fwd.exec(text))) {
        RuleScan.mark(m, forward, out);
        rev.lastIndex = m.index;
        const r = rev.exec(text);
        if (r) RuleScan.mark(r, reverse, out);
        fwd.lastIndex = m.index + 1;
      }
    }
    return out;
  }
}
