// Precision, recall, F1 and accuracy for the agent evaluation.

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

export function prf(tp: number, fp: number, fn: number): PRF {
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, tp, fp, fn };
}

/** Macro-F1 over labels: the unweighted mean of per-label F1. */
export function macroF1(gold: string[], pred: string[], labels: string[]): { macroF1: number; perLabel: Record<string, PRF> } {
  const perLabel: Record<string, PRF> = {};
  for (const l of labels) {
    let tp = 0, fp = 0, fn = 0;
    gold.forEach((g, i) => {
      if (pred[i] === l && g === l) tp++;
      else if (pred[i] === l) fp++;
      else if (g === l) fn++;
    });
    perLabel[l] = prf(tp, fp, fn);
  }
  return { macroF1: labels.reduce((s, l) => s + perLabel[l].f1, 0) / labels.length, perLabel };
}

export function accuracy(gold: string[], pred: string[]): number {
  return gold.length ? gold.filter((g, i) => g === pred[i]).length / gold.length : 1;
}

export interface SpanLike {
  type: string;
  start: number;
  end: number;
}

/** Span matching: same type and overlapping character ranges (one prediction per gold span). */
export function spanPRF(gold: SpanLike[][], pred: SpanLike[][], types?: Set<string>): PRF {
  let tp = 0, fp = 0, fn = 0;
  gold.forEach((g, i) => {
    const gs = g.filter((s) => !types || types.has(s.type));
    const ps = (pred[i] ?? []).filter((s) => !types || types.has(s.type));
    const used = new Set<number>();
    for (const s of gs) {
      const j = ps.findIndex((p, k) => !used.has(k) && p.type === s.type && p.start < s.end && s.start < p.end);
      if (j >= 0) {
        used.add(j);
        tp++;
      } else fn++;
    }
    fp += ps.length - used.size;
  });
  return prf(tp, fp, fn);
}
