// How a conversation rollup leaves the engine: the aggregator keeps its rolling sentiment score at
// full precision (it is an exponential average, so rounding inside would drift), but what people
// and stores see is rounded to 3 decimals: -0.717, not -0.7173999999999999.
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A copy of `rollup` with its sentiment score rounded to 3 decimals; anything else as it is. */
export function presentRollup(rollup: Record<string, unknown>): Record<string, unknown> {
  const s = rollup.sentiment as { score?: unknown } | undefined;
  if (!s || typeof s.score !== "number") return rollup;
  return { ...rollup, sentiment: { ...s, score: round3(s.score) } };
}
