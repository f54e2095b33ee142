// A single pass over a JSON text that bounds what parsing and validation will cost before either
// runs: nesting depth, members per object/array, values in the whole document, and string length.
// It does not check that the text is valid JSON (JSON.parse does that next); it only guarantees
// that whatever parses is small in every dimension that makes parsing or validation slow. A body
// of 20 000 nested `[` is turned away after 33 characters instead of after seconds.
import type { FieldIssue } from "../engine/errors.ts";

export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most members (keys or elements) in one object or array. */
  maxMembers: number;
  /** Most tokens (keys, containers, strings, numbers, literals) in the whole document. */
  maxValues: number;
  /** Longest string (key or value), in UTF-16 code units of the raw text, escapes included (a 100 000-character
   *  message text written as \u escapes is 600 000). */
  maxStringLength: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 1_000, maxValues: 50_000, maxStringLength: 700_000 };

const QUOTE = 34, BACKSLASH = 92, OPEN_OBJ = 123, CLOSE_OBJ = 125, OPEN_ARR = 91, CLOSE_ARR = 93, COMMA = 44, COLON = 58;

/**
 * Returns the first limit the text breaks, or null. Runs in time linear in the text, with memory
 * bounded by `maxDepth`.
 * @example
 * scanJson("[".repeat(20_000), DEFAULT_JSON_LIMITS) // → { path: "/", message: "nested deeper than 32 levels" }
 */
export function scanJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): FieldIssue | null {
  const members: number[] = []; // members seen so far at each open container
  let values = 0;
  let pendingValue = true; // the next non-space token starts a value
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
        if (i - start > limits.maxStringLength) return { path: "/", message: `contains a string longer than ${limits.maxStringLength} characters` };
      }
      if (pendingValue && ++values > limits.maxValues) return tooMany(limits);
      pendingValue = false;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++values > limits.maxValues) return tooMany(limits);
      if (members.length >= limits.maxDepth) return { path: "/", message: `nested deeper than ${limits.maxDepth} levels` };
      members.push(0);
      pendingValue = true;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      members.pop();
      pendingValue = false;
    } else if (c === COMMA) {
      const top = members.length - 1;
      if (top >= 0 && ++members[top] >= limits.maxMembers) return { path: "/", message: `has an object or array with more than ${limits.maxMembers} members` };
      pendingValue = true;
    } else if (c === COLON) {
      pendingValue = true;
    } else if (pendingValue && c > 32) {
      // A number or literal: counted once, at its first character.
      if (++values > limits.maxValues) return tooMany(limits);
      pendingValue = false;
    }
  }
  return null;
}

const tooMany = (l: JsonLimits): FieldIssue => ({ path: "/", message: `has more than ${l.maxValues} keys and values` });
