/** The Pareto front of sweep points, and the recommended point under a budget. */

export interface Candidate {
  latencyMs: number;
  quality: number;
  memoryMb: number;
  /** Mean identity similarity, when measured. */
  identity?: number;
}

/** a is at least as good as b on every objective and better on one. */
function dominates(a: Candidate, b: Candidate, withMemory: boolean): boolean {
  const noWorse =
    a.latencyMs <= b.latencyMs &&
    a.quality >= b.quality &&
    (!withMemory || a.memoryMb <= b.memoryMb);
  const better =
    a.latencyMs < b.latencyMs || a.quality > b.quality || (withMemory && a.memoryMb < b.memoryMb);
  return noWorse && better;
}

/**
 * Indices of the points no other point dominates: on latency (lower is better) and quality
 * (higher is better), plus memory when `withMemory`.
 */
export function paretoFront(points: readonly Candidate[], withMemory = false): number[] {
  return points.flatMap((p, i) =>
    points.some((q, j) => j !== i && dominates(q, p, withMemory)) ? [] : [i],
  );
}

export interface Constraints {
  budgetMs?: number;
  minQuality?: number;
  minIdentity?: number;
}

/** The fastest point that meets every constraint given, or undefined. */
export function recommend(points: readonly Candidate[], c: Constraints): number | undefined {
  let best: number | undefined;
  points.forEach((p, i) => {
    if (c.budgetMs !== undefined && p.latencyMs > c.budgetMs) return;
    if (c.minQuality !== undefined && p.quality < c.minQuality) return;
    if (c.minIdentity !== undefined && (p.identity ?? -Infinity) < c.minIdentity) return;
    if (best === undefined || p.latencyMs < points[best]!.latencyMs) best = i;
  });
  return best;
}
