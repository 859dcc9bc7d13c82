import { createRng } from '../../core/rng.js';

export interface Summary {
  n: number;
  mean: number;
  median: number;
  std: number;
  min: number;
  max: number;
  /** 95% percentile-bootstrap interval of the mean. */
  ci: [number, number];
}

export interface BootstrapOptions {
  resamples?: number;
  /** Seeded, so that a report's intervals are reproducible. */
  seed?: number;
  confidence?: number;
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : NaN;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Percentile bootstrap of the mean (Efron & Tibshirani 1993, ch. 13): resample with
 * replacement, take the (1-c)/2 and (1+c)/2 quantiles of the resampled means.
 */
export function bootstrapMeanCi(
  values: readonly number[],
  o: BootstrapOptions = {},
): [number, number] {
  const n = values.length;
  if (n === 0) return [NaN, NaN];
  if (n === 1) return [values[0]!, values[0]!];
  const resamples = o.resamples ?? 2000;
  const rng = createRng(o.seed ?? 1);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng.nextFloat() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  const alpha = (1 - (o.confidence ?? 0.95)) / 2;
  return [quantile(Array.from(means), alpha), quantile(Array.from(means), 1 - alpha)];
}

export function summarize(values: readonly number[], o: BootstrapOptions = {}): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  const sorted = [...finite].sort((a, b) => a - b);
  const m = mean(finite);
  const variance =
    finite.length > 1 ? finite.reduce((a, v) => a + (v - m) ** 2, 0) / (finite.length - 1) : 0;
  return {
    n: finite.length,
    mean: m,
    median: quantile(sorted, 0.5),
    std: Math.sqrt(variance),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    ci: bootstrapMeanCi(finite, o),
  };
}

export interface PairedComparison {
  n: number;
  /** Mean of candidate - baseline over the same images. */
  meanDiff: number;
  ci: [number, number];
  /** Fraction of images where the candidate is better (by the metric's direction). */
  winRate: number;
}

/** Candidate vs baseline on the same images: the per-image differences, bootstrapped. */
export function pairedComparison(
  candidate: ReadonlyMap<string, number>,
  baseline: ReadonlyMap<string, number>,
  direction: 'higher' | 'lower' | 'zero',
  o: BootstrapOptions = {},
): PairedComparison {
  const diffs: number[] = [];
  let wins = 0;
  for (const [id, c] of candidate) {
    const b = baseline.get(id);
    if (b === undefined || !Number.isFinite(b) || !Number.isFinite(c)) continue;
    diffs.push(c - b);
    if (direction === 'higher' ? c > b : direction === 'lower' ? c < b : Math.abs(c) < Math.abs(b))
      wins++;
  }
  return {
    n: diffs.length,
    meanDiff: mean(diffs),
    ci: bootstrapMeanCi(diffs, o),
    winRate: diffs.length ? wins / diffs.length : NaN,
  };
}
