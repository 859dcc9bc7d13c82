/**
 * How well a similarity score tells same-person pairs from different-person pairs.
 */
export interface Summary {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface Separation {
  same: Summary;
  different: Summary;
  /**
   * Threshold with the fewest errors (same < t or different >= t); when the two sets do not
   * overlap, the midpoint of the gap between them.
   */
  threshold: number;
  /** Fraction of all pairs misclassified at `threshold`. */
  errorRate: number;
  /**
   * Fraction of all pairs inside the other set's range: same-pairs at or below the highest
   * different-pair score, plus different-pairs at or above the lowest same-pair score.
   * 0 means the two distributions do not touch.
   */
  overlap: number;
  /** (mean same - mean different) / pooled std. */
  dPrime: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

export function separation(same: readonly number[], different: readonly number[]): Separation {
  const s = summarize(same);
  const d = summarize(different);
  const inOther =
    same.filter((v) => v <= d.max).length + different.filter((v) => v >= s.min).length;
  const total = same.length + different.length;
  const { threshold, errors } =
    s.min > d.max ? { threshold: (s.min + d.max) / 2, errors: 0 } : bestThreshold(same, different);
  return {
    same: s,
    different: d,
    threshold,
    errorRate: errors / total,
    overlap: inOther / total,
    dPrime: (s.mean - d.mean) / Math.sqrt((s.std ** 2 + d.std ** 2) / 2),
  };
}

function bestThreshold(
  same: readonly number[],
  different: readonly number[],
): { threshold: number; errors: number } {
  let best = { threshold: Number.NaN, errors: Infinity };
  for (const t of [...same, ...different]) {
    const errors = same.filter((v) => v < t).length + different.filter((v) => v >= t).length;
    if (errors < best.errors) best = { threshold: t, errors };
  }
  return best;
}
