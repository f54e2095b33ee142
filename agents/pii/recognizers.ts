// PII recognisers: patterns confirmed by checksums (Luhn, IBAN mod-97), valid ranges (SSN) and
// context words (dates of birth, addresses, names). Shared by the pii agent, the log redactor and
// `weir eval`. A finding is a span of the scanned text, never a copy of the value: whoever needs the
// value slices it from the text it already holds, so findings can be stored and returned safely.

import { FIRST_NAMES } from "./first-names.ts";

export type PiiType = "email" | "phone" | "card" | "iban" | "ssn" | "ip" | "dob" | "address" | "name";

export interface Finding {
  type: PiiType;
  /** UTF-16 offsets into the scanned text: `text.slice(start, end)` is the personal data. */
  start: number;
  end: number;
  confidence: number;
  /** Words near the match that raised or confirmed it. */
  context: string[];
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27,
  HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24,
  SE: 24, SI: 19, SK: 24, SM: 27, TR: 26,
};

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/[\s-]/g, "").toUpperCase();
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (!len || iban.length !== len || !/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= "A" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** US SSN: area 001–899 except 666, group 01–99, serial 0001–9999. */
export function ssnValid(s: string): boolean {
  const m = /^(\d{3})-?(\d{2})-?(\d{4})$/.exec(s);
  if (!m) return false;
  const area = Number(m[1]);
  return area !== 0 && area !== 666 && area < 900 && m[2] !== "00" && m[3] !== "0000";
}

function wordsBefore(text: string, start: number, n = 4): string[] {
  return text.slice(Math.max(0, start - 48), start).toLowerCase().split(/[^a-z#.]+/).filter(Boolean).slice(-n);
}

interface Recognizer {
  type: PiiType;
  pattern: RegExp;
  /** Returns a confidence (0 rejects) and the context words that decided it. */
  score(match: string, text: string, start: number): { confidence: number; context: string[] };
}

const PHONE_CONTEXT = ["call", "phone", "tel", "mobile", "cell", "number", "reach", "whatsapp", "text", "contact", "ring"];
const DOB_CONTEXT = ["born", "dob", "birth", "birthday", "birthdate", "d.o.b"];
const ORDERISH = ["order", "ticket", "case", "invoice", "ref", "reference", "tracking", "#", "id", "account", "po", "sku", "version", "v"];

const MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const STREET = "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|square|sq|parkway|pkwy|highway|hwy|strasse|straße"
  .split("|")
  .map((w) => `[${w[0].toUpperCase()}${w[0]}]${w.slice(1)}`)
  .join("|");

const RECOGNIZERS: Recognizer[] = [
  {
    type: "email",
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b/g,
    score: () => ({ confidence: 0.99, context: [] }),
  },
  {
    type: "iban",
    pattern: /\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b/g,
    score: (m) => (ibanValid(m) ? { confidence: 0.99, context: ["mod-97"] } : { confidence: 0, context: [] }),
  },
  {
    type: "card",
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    score: (m, text, start) => {
      const digits = m.replace(/\D/g, "");
      if (digits.length < 13 || digits.length > 19 || !luhn(digits) || /^(\d)\1+$/.test(digits)) return { confidence: 0, context: [] };
      const ctx = wordsBefore(text, start).filter((w) => ["card", "visa", "mastercard", "amex", "credit", "debit", "cc"].includes(w));
      return { confidence: ctx.length ? 0.99 : 0.9, context: ["luhn", ...ctx] };
    },
  },
  {
    type: "ssn",
    pattern: /\b\d{3}-\d{2}-\d{4}\b|\b(?<=(?:ssn|social security(?: number)?)[:#\s]*)\d{9}\b/gi,
    score: (m, text, start) => {
      if (!ssnValid(m)) return { confidence: 0, context: [] };
      const ctx = wordsBefore(text, start, 5).filter((w) => ["ssn", "social", "security"].includes(w));
      return { confidence: ctx.length ? 0.99 : 0.85, context: ctx };
    },
  },
  {
    type: "ip",
    // The lookaheads change nothing that matches; they make the scan skip most positions at once.
    pattern: /\b(?=\d{1,3}\.\d)(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b|\b(?=[0-9a-fA-F]{1,4}:)(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:?){1,6}\b)/g,
    score: (m, text, start) => {
      const before = wordsBefore(text, start);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(m) && before.some((w) => ["version", "v", "build", "release"].includes(w))) return { confidence: 0, context: [] };
      return { confidence: 0.95, context: before.filter((w) => ["ip", "address", "server", "from"].includes(w)) };
    },
  },
  {
    type: "phone",
    pattern: /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,5}(?![\w])/g,
    score: (m, text, start) => {
      const digits = m.replace(/\D/g, "");
      if (digits.length < 9 || digits.length > 15) return { confidence: 0, context: [] };
      // SSN-shaped numbers are the SSN recogniser's call, valid or not.
      if (/^\d{3}-\d{2}-\d{4}$/.test(m)) return { confidence: 0, context: [] };
      if (/^\d{4}-\d{2}-\d{2}$/.test(m) || /^\d{2}[./-]\d{2}[./-]\d{4}$/.test(m)) return { confidence: 0, context: [] };
      const before = wordsBefore(text, start);
      if (before.some((w) => ORDERISH.includes(w)) && !m.startsWith("+")) return { confidence: 0, context: [] };
      const ctx = before.filter((w) => PHONE_CONTEXT.includes(w));
      const formatted = m.startsWith("+") || /[\s.()-]/.test(m);
      const confidence = ctx.length ? 0.97 : m.startsWith("+") ? 0.95 : formatted ? 0.85 : 0.6;
      return { confidence, context: ctx };
    },
  },
  {
    type: "dob",
    pattern: new RegExp(`\\b(?:\\d{1,2}[./-]\\d{1,2}[./-](?:19|20)\\d{2}|(?:19|20)\\d{2}-\\d{2}-\\d{2}|\\d{1,2}(?:st|nd|rd|th)? (?:${MONTHS}),? (?:19|20)\\d{2}|(?:${MONTHS}) \\d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\\d{2})\\b`, "gi"),
    score: (_m, text, start) => {
      const ctx = wordsBefore(text, start, 6).filter((w) => DOB_CONTEXT.some((c) => w.startsWith(c)));
      return ctx.length ? { confidence: 0.95, context: ctx } : { confidence: 0, context: [] };
    },
  },
  {
    type: "address",
    pattern: new RegExp(`\\b\\d{1,5}[A-Za-z]? (?:[A-Z][a-zA-Z'.-]+ ){1,4}(?:${STREET})\\b\\.?(?:,? (?:apt|suite|unit|#) ?[\\w-]+)?(?:, [A-Z][a-zA-Z-]+(?: [A-Z][a-zA-Z-]+)?)?(?:,? [A-Z]{2})?(?: \\d{5}(?:-\\d{4})?)?`, "g"),
    score: () => ({ confidence: 0.9, context: ["street"] }),
  },
  {
    type: "name",
    pattern: /(?:\b(?:(?:[Mm]y name is|[Tt]his is|I am|I'm|[Nn]ame:|[Ss]igned,?|[Rr]egards,?|[Tt]hanks(?: in advance)?,?|[Tt]hank you,?|[Cc]heers,?|[Ss]incerely,?|[Bb]est,?)\s+|(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)|^--[ \t]*\n)([A-Z][a-z]+(?:[- ][A-Z][a-z]+){0,2})\b/gm,
    score: (m) => {
      const cue = m.split(/\s+/)[0].toLowerCase().replace(/[,:.]/g, "");
      // A sign-off followed by a line holding only the name, or a "--" signature line, is as strong as "my name is".
      const ownLine = /^[^\n]*\n[ \t]*[A-Z][a-z]+(?:[- ][A-Z][a-z]+){0,2}$/.test(m.trimEnd()) && cue !== "this" && cue !== "i" && cue !== "i'm";
      const strong = ownLine || cue === "--" || ["my", "name", "signed", "regards", "sincerely", "mr", "mrs", "ms", "miss", "dr", "prof"].includes(cue);
      const words = m.trim().split(/\s+/);
      // Weak cues ("this is", "thanks") need a known given name to count.
      if (!strong && !FIRST_NAMES.has(words[words.length - 1].toLowerCase()) && !FIRST_NAMES.has(words[Math.max(0, words.length - 2)].toLowerCase())) return { confidence: 0, context: [] };
      return { confidence: strong ? 0.9 : 0.8, context: [cue] };
    },
  },
];

const NOT_NAMES = new Set(["The", "This", "That", "Your", "Our", "Support", "Team", "Customer", "Service", "Sorry", "Not", "Very", "Really", "Just", "So", "Still", "Here", "There", "Happy", "Glad", "Going", "Having", "Trying", "Writing", "Calling", "Waiting", "Unable", "Able", "Sure", "Afraid", "Done", "Back", "Again", "Getting", "Looking", "New", "Frustrated", "Disappointed", "Hi", "Hello", "Thanks", "Thank", "All", "Everyone", "You", "Me", "It", "A", "An", "In", "On", "At", "For", "Of", "To", "And", "But", "Or", "Please", "Regards", "Best", "Cheers", "Kind"]);

/**
 * Which recognisers can match at all, from one cheap look at the text: no "@", no email; no digit,
 * no card, phone, SSN, IBAN, IP, date or street number. Most messages then run few patterns.
 * (Joining all the patterns into one alternation was measured slower here than this.)
 */
function applicable(text: string): (type: PiiType) => boolean {
  const at = text.includes("@");
  const digit = /\d/.test(text);
  const hexColon = !digit && text.includes("::");
  return (type) => (type === "email" ? at : type === "name" ? true : type === "ip" ? digit || hexColon : digit);
}

/** All findings, overlaps resolved in favour of the higher confidence (then the longer span). */
export function recognize(text: string, minConfidence = 0.5): Finding[] {
  const all: Finding[] = [];
  const can = applicable(text);
  for (const r of RECOGNIZERS) {
    if (!can(r.type)) continue;
    r.pattern.lastIndex = 0;
    for (const m of text.matchAll(r.pattern)) {
      let value = m[0];
      let start = m.index!;
      if (r.type === "name") {
        const name = m[1];
        if (!name || NOT_NAMES.has(name.split(/[- ]/)[0])) continue;
        start = start + m[0].lastIndexOf(name);
        value = name;
      }
      value = value.replace(/[\s.,]+$/, "");
      const { confidence, context } = r.score(m[0], text, m.index!);
      if (confidence >= minConfidence) all.push({ type: r.type, start, end: start + value.length, confidence, context });
    }
  }
  if (all.length < 2) return all;
  all.sort((a, b) => b.confidence - a.confidence || b.end - b.start - (a.end - a.start));
  const kept: Finding[] = [];
  for (const f of all) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept.sort((a, b) => a.start - b.start);
}
