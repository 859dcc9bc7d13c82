import { describe, expect, it } from 'vitest';
import { paretoFront, recommend, type Candidate } from './pareto.js';

const points: Candidate[] = [
  { latencyMs: 100, quality: 1, memoryMb: 300 }, // 0: default, best quality
  { latencyMs: 60, quality: 0.99, memoryMb: 200 }, // 1: front
  { latencyMs: 70, quality: 0.98, memoryMb: 100 }, // 2: dominated by 1 on latency+quality; least memory
  { latencyMs: 30, quality: 0.9, memoryMb: 250, identity: 0.7 }, // 3: front, fastest
  { latencyMs: 120, quality: 0.95, memoryMb: 400 }, // 4: dominated by everything
];

describe('Pareto front and recommendation', () => {
  it('keeps the points no other point beats on latency and quality (and memory)', () => {
    expect(paretoFront(points)).toEqual([0, 1, 3]);
    expect(paretoFront(points, true)).toEqual([0, 1, 2, 3]);
  });

  it('recommends the fastest point that meets the budget and the minimum quality', () => {
    expect(recommend(points, {})).toBe(3);
    expect(recommend(points, { minQuality: 0.98 })).toBe(1);
    expect(recommend(points, { minQuality: 0.98, budgetMs: 50 })).toBeUndefined();
    expect(recommend(points, { budgetMs: 80, minQuality: 0.975 })).toBe(1);
    expect(recommend(points, { minIdentity: 0.5 })).toBe(3);
    expect(recommend(points, { minIdentity: 0.8 })).toBeUndefined();
  });
});
