// Near-duplicate detection across a job: 64-bit SimHash over word 3-shingles (Charikar), compared by
// Hamming distance. Two samples within `NEAR_DUPLICATE_BITS` bits share most of their shingles. The
// signatures are small (16 hex characters), so a job keeps them in its actor state, bounded.

/** Hamming distance at or below which two texts are near-duplicates (about 90% shingle overlap). */
export const NEAR_DUPLICATE_BITS = 3;

function fnv64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

export function words(text: string): string[] {
  return text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** The SimHash of a text as 16 hex characters. */
export function simhash(text: string): string {
  const w = words(text);
  const shingles = w.length < 3 ? [w.join(" ")] : w.slice(0, -2).map((_, i) => `${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  const v = new Array<number>(64).fill(0);
  for (const s of shingles) {
    const h = fnv64(s);
    for (let b = 0; b < 64; b++) v[b] += (h >> BigInt(b)) & 1n ? 1 : -1;
  }
  let out = 0n;
  for (let b = 0; b < 64; b++) if (v[b] > 0) out |= 1n << BigInt(b);
  return out.toString(16).padStart(16, "0");
}

export function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}

/** The first signature of `seen` within the threshold of `sig`, if any. */
export function nearDuplicate(sig: string, seen: readonly string[], bits = NEAR_DUPLICATE_BITS): string | undefined {
  return seen.find((s) => hamming(sig, s) <= bits);
}
