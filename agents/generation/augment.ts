// Augmentation by counterfactual swaps: a variant of a sample with gendered words and first names
// exchanged (he ↔ she, Mr ↔ Ms, Alex stays Alex...), labelled with what was swapped, so a data set
// can be checked for outputs that change with gender alone. Only samples with something to swap get a variant.

const PAIRS: Array<[string, string]> = [
  ["he", "she"], ["him", "her"], ["his", "her"], ["himself", "herself"], ["man", "woman"], ["men", "women"], ["boy", "girl"],
  ["father", "mother"], ["dad", "mum"], ["son", "daughter"], ["brother", "sister"], ["husband", "wife"], ["boyfriend", "girlfriend"],
  ["mr", "ms"], ["sir", "madam"], ["uncle", "aunt"], ["nephew", "niece"], ["grandfather", "grandmother"], ["king", "queen"],
  ["john", "mary"], ["james", "emma"], ["david", "sarah"], ["michael", "olivia"], ["tom", "lena"], ["peter", "priya"],
];
const SWAP = new Map<string, string>();
for (const [a, b] of PAIRS) {
  SWAP.set(a, b);
  if (!SWAP.has(b)) SWAP.set(b, a); // "her" maps back to "his"/"him" ambiguously; "him" is chosen
}

const keepCase = (from: string, to: string) => (from === from.toUpperCase() && from.length > 1 ? to.toUpperCase() : from[0] === from[0].toUpperCase() ? to[0].toUpperCase() + to.slice(1) : to);

/** Swaps gendered words in a string; returns the text and the swaps made. */
export function swapGender(text: string): { text: string; swaps: string[] } {
  const swaps: string[] = [];
  const out = text.replace(/\p{L}+/gu, (w) => {
    const to = SWAP.get(w.toLowerCase());
    if (!to) return w;
    swaps.push(`${w.toLowerCase()}→${to}`);
    return keepCase(w, to);
  });
  return { text: out, swaps };
}

/** The counterfactual variant of a sample's data (every string field swapped), or undefined when nothing is gendered. */
export function counterfactual(data: Record<string, unknown>): { data: Record<string, unknown>; swaps: string[] } | undefined {
  const swaps: string[] = [];
  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") next[k] = v;
    else {
      const r = swapGender(v);
      swaps.push(...r.swaps);
      next[k] = r.text;
    }
  }
  return swaps.length ? { data: next, swaps: [...new Set(swaps)] } : undefined;
}
