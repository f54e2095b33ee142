// A deterministic local embedding for the Qdrant sink: feature hashing of word unigrams and
// bigrams into 256 dimensions with sub-linear term weights, L2-normalised. Same text, same vector.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "./agent.ts";
import { SupportMessage } from "./message.ts";

export const DIMENSIONS = 256;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function embed(text: string, dims = DIMENSIONS): number[] {
  const toks = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const counts = new Map<string, number>();
  toks.forEach((t, i) => {
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (i > 0) counts.set(`${toks[i - 1]} ${t}`, (counts.get(`${toks[i - 1]} ${t}`) ?? 0) + 0.5);
  });
  const v = new Array(dims).fill(0);
  for (const [feat, c] of counts) {
    const h = fnv1a(feat);
    v[h % dims] += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(c + 1));
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export const embedding = defineAgent({
  name: "embedding",
  description: "Deterministic local text embedding (feature hashing, 256 dimensions) for vector search.",
  input: SupportMessage,
  output: Type.Object({ vector: Type.Array(Type.Number(), { minItems: DIMENSIONS, maxItems: DIMENSIONS }), model: Type.String() }),
  state: Type.Object({}),
  initialState: () => ({}),
  offline: (input) => ({ output: { vector: embed(input.text), model: `weir-hash-${DIMENSIONS}` } }),
});
