import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('Xoshiro128Rng', () => {
  // Expected values from an independent Python transcription of SplitMix64 + xoshiro128** 1.1
  // (https://prng.di.unimi.it/splitmix64.c, xoshiro128starstar.c), whose first SplitMix64 output
  // for seed 0, 0xe220a8397b1dcdaf, is the published one.
  it('produces the xoshiro128** stream for its seed', () => {
    const take = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 6 }, () => rng.nextUint32());
    };
    expect(take(0)).toEqual([
      3737715805, 2584255861, 2876756834, 3286328325, 1553311962, 1625202774,
    ]);
    expect(take(42)).toEqual([
      1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222,
    ]);
    expect(createRng(42n).nextUint32()).toBe(1776835114);
  });

  it('draws polar Box-Muller normals, u first then the kept v', () => {
    // same independent Python transcription, polar method as documented in rng.ts
    const rng = createRng(42);
    const expected = [
      -0.07727615670674905, 0.4206727208518911, -0.1386017981108371, 0.011047925189465577,
    ];
    for (const z of expected) expect(rng.nextNormal()).toBeCloseTo(z, 14);
  });

  it('fills arrays with the same numbers nextNormal returns, across odd lengths', () => {
    const filling = createRng(9);
    const filled = [
      ...filling.fillNormal(new Float32Array(5)),
      ...filling.fillNormal(new Float32Array(4)),
    ];
    const one = createRng(9);
    expect(filled).toEqual(Array.from({ length: 9 }, () => Math.fround(one.nextNormal())));
  });

  it('gives standard normals', () => {
    const rng = createRng(123);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.nextNormal();
      sum += z;
      squares += z * z;
    }
    // standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.015);
  });

  it('keeps floats in [0, 1)', () => {
    const rng = createRng(5);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 60])('rejects seed %s', (seed) => {
    expect(() => createRng(seed)).toThrow(
      expect.objectContaining({ code: 'FL_ERR_INVALID_ARGUMENT' }),
    );
  });
});
