import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { bootstrapMeanCi, mean, pairedComparison, quantile, summarize } from './summary.js';

/** n draws of N(mu, sigma), seeded. */
function normals(n: number, mu: number, sigma: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => mu + sigma * rng.nextNormal());
}

describe('quantile and mean', () => {
  it('interpolates linearly between order statistics (numpy "linear")', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile(sorted, 1)).toBe(4);
    expect(quantile(sorted, 0.5)).toBe(2.5);
    expect(quantile(sorted, 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([], 0.5)).toBeNaN();
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('gives n, mean, median, sample std, min, max, skipping non-finite values', () => {
    const s = summarize([4, 1, NaN, 3, 2, Infinity]);
    expect(s).toMatchObject({ n: 4, mean: 2.5, median: 2.5, min: 1, max: 4 });
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.ci[0]).toBeLessThan(2.5);
    expect(s.ci[1]).toBeGreaterThan(2.5);
  });

  it('handles no value and one value', () => {
    const none = summarize([]);
    expect(none.n).toBe(0);
    expect(none.mean).toBeNaN();
    expect(none.ci[0]).toBeNaN();
    expect(summarize([0.7])).toMatchObject({ n: 1, mean: 0.7, std: 0, ci: [0.7, 0.7] });
  });
});

describe('bootstrapMeanCi', () => {
  const values = normals(40, 0.8, 0.1, 7);

  it('is reproducible for a seed and differs between seeds', () => {
    const a = bootstrapMeanCi(values, { seed: 3 });
    expect(bootstrapMeanCi(values, { seed: 3 })).toEqual(a);
    expect(bootstrapMeanCi(values)).toEqual(bootstrapMeanCi(values, { seed: 1 }));
    expect(bootstrapMeanCi(values, { seed: 4 })).not.toEqual(a);
  });

  it('contains the sample mean and is close to the normal-theory interval', () => {
    const m = mean(values);
    const [lo, hi] = bootstrapMeanCi(values, { resamples: 4000 });
    expect(lo).toBeLessThan(m);
    expect(hi).toBeGreaterThan(m);
    const s = summarize(values);
    const halfWidth = (1.96 * s.std) / Math.sqrt(values.length);
    // the percentile bootstrap uses the plug-in sd (divisor n), so it is a bit narrower
    expect((hi - lo) / 2).toBeGreaterThan(0.85 * halfWidth);
    expect((hi - lo) / 2).toBeLessThan(1.1 * halfWidth);
  });

  it('narrows roughly as 1/sqrt(n)', () => {
    const width = (n: number) => {
      const [lo, hi] = bootstrapMeanCi(normals(n, 0, 1, n));
      return hi - lo;
    };
    const w25 = width(25);
    const w400 = width(400);
    expect(w400).toBeLessThan(w25 / 2.5);
    expect(w400).toBeGreaterThan(w25 / 6);
  });

  it('widens with the confidence level', () => {
    const [lo90, hi90] = bootstrapMeanCi(values, { confidence: 0.9 });
    const [lo99, hi99] = bootstrapMeanCi(values, { confidence: 0.99 });
    expect(hi99 - lo99).toBeGreaterThan(hi90 - lo90);
  });
});

describe('pairedComparison', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const map = (vs: number[]) => new Map(ids.map((id, i) => [id, vs[i]!]));

  it('differences candidate - baseline on the same photos, with a win rate by direction', () => {
    const candidate = map([0.9, 0.8, 0.7, 0.95]);
    const baseline = map([0.85, 0.85, 0.6, 0.9]);
    const higher = pairedComparison(candidate, baseline, 'higher');
    expect(higher.n).toBe(4);
    expect(higher.meanDiff).toBeCloseTo((0.05 - 0.05 + 0.1 + 0.05) / 4, 12);
    expect(higher.winRate).toBe(0.75);
    expect(higher.ci[0]).toBeLessThanOrEqual(higher.meanDiff);
    expect(higher.ci[1]).toBeGreaterThanOrEqual(higher.meanDiff);
    expect(pairedComparison(candidate, baseline, 'lower').winRate).toBe(0.25);
  });

  it("'zero': the candidate wins where its signed shift is closer to zero", () => {
    const shift = pairedComparison(map([-1, 2, 0.5, -3]), map([2, -1, -0.4, 3]), 'zero');
    // |-1|<|2| yes, |2|<|-1| no, |0.5|<|-0.4| no, |-3|<|3| no (a tie is no win)
    expect(shift.winRate).toBe(0.25);
    expect(shift.meanDiff).toBeCloseTo((-3 + 3 + 0.9 - 6) / 4, 12);
  });

  it('pairs only photos both have with finite values', () => {
    const candidate = new Map([
      ['a', 1],
      ['b', NaN],
      ['c', 3],
    ]);
    const baseline = new Map([
      ['a', 0.5],
      ['b', 1],
    ]);
    const r = pairedComparison(candidate, baseline, 'higher');
    expect(r).toMatchObject({ n: 1, meanDiff: 0.5, ci: [0.5, 0.5], winRate: 1 });
    const none = pairedComparison(new Map(), baseline, 'higher');
    expect(none.n).toBe(0);
    expect(none.winRate).toBeNaN();
  });
});
