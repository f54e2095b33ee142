// The WordCount corpus, the same for weir and Kafka Streams: generated from a seed, so every run
// and both sides count the same lines, and the expected count of every word is known without
// trusting either engine. A 5 000-word vocabulary of made-up words drawn with a Zipf-like
// distribution (a few words very often, most rarely), 5–12 words a line, with capitals at line
// start and some punctuation so that the split on non-word characters and the lower-casing matter.

export interface Corpus {
  lines: string[];
  /** Expected count per word: the line split on /\W+/, lower-cased, empty tokens dropped. */
  expected: Map<string, number>;
  words: number;
  bytes: number;
}

export interface CorpusOptions {
  lines: number;
  seed?: number;
  vocabulary?: number;
  /** Zipf exponent: weight of rank r is 1 / r^s. */
  s?: number;
}

/** mulberry32: small, fast and good enough to spread words; the same seed gives the same corpus. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = "ka,lo,mi,ne,ru,sa,ti,vo,be,da,fi,go,hu,je,po,qua,ri,so,tu,wa,xe,yo,ze,an,el,in,or,um,ar,en".split(",");

function vocabulary(n: number, next: () => number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const parts = 2 + Math.floor(next() * 3);
    let w = "";
    for (let i = 0; i < parts; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

/** The way both WordCounts tokenise a line (Java's and JavaScript's \W agree on ASCII). */
export function tokens(line: string): string[] {
  return line
    .toLowerCase()
    .split(/\W+/)
    .filter((w) => w.length > 0);
}

export function generateCorpus(opts: CorpusOptions): Corpus {
  if (!Number.isInteger(opts.lines) || opts.lines < 1) throw new Error(`corpus lines: must be a positive integer, got ${opts.lines}`);
  const next = rng(opts.seed ?? 42);
  const vocab = vocabulary(opts.vocabulary ?? 5_000, next);
  const s = opts.s ?? 1.0;
  const cdf = new Float64Array(vocab.length);
  let sum = 0;
  for (let r = 0; r < vocab.length; r++) cdf[r] = sum += 1 / Math.pow(r + 1, s);
  const pick = (): string => {
    const x = next() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo];
  };
  const lines = new Array<string>(opts.lines);
  const expected = new Map<string, number>();
  let words = 0;
  let bytes = 0;
  for (let i = 0; i < opts.lines; i++) {
    const n = 5 + Math.floor(next() * 8);
    let line = "";
    for (let j = 0; j < n; j++) {
      const w = pick();
      expected.set(w, (expected.get(w) ?? 0) + 1);
      const shown = j === 0 ? w[0].toUpperCase() + w.slice(1) : next() < 0.02 ? w.toUpperCase() : w;
      const sep = j === 0 ? "" : next() < 0.1 ? ", " : next() < 0.03 ? " - " : " ";
      line += sep + shown;
    }
    line += next() < 0.15 ? "?" : ".";
    lines[i] = line;
    words += n;
    bytes += line.length;
  }
  return { lines, expected, words, bytes };
}
