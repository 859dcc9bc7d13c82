import { describe, expect, it } from 'vitest';
import { circleFace, maskAt as at } from './__fixtures__/synthetic-portrait.js';
import { faceOvalMask } from './face-oval-mask.js';

describe('faceOvalMask', () => {
  it('is 1 inside the oval, 0 outside, and ramps across its edge', () => {
    const m = faceOvalMask({ width: 100, height: 100 }, [circleFace(50, 50, 30)], { feather: 0.1 });
    expect(at(m, 50, 50)).toBe(1);
    expect(at(m, 50, 30)).toBe(1);
    expect(at(m, 5, 5)).toBe(0);
    expect(at(m, 50, 95)).toBe(0);
    // On the edge (30 px right of the centre) about one half.
    expect(at(m, 79, 50)).toBeGreaterThan(0.3);
    expect(at(m, 79, 50)).toBeLessThan(0.7);
  });

  it('grows the oval and keeps every face, rasterising large faces at reduced scale', () => {
    const big = circleFace(500, 500, 400);
    const small = circleFace(950, 60, 30);
    const m = faceOvalMask({ width: 1000, height: 1000 }, [big, small], {
      grow: 0.05,
      feather: 0.02,
    });
    expect(at(m, 500, 500)).toBe(1);
    // The edge: ~398 (36-gon in a radius-400 circle) + 5% of the ~790 px face width ~ 438.
    expect(at(m, 500 + 425, 500)).toBe(1);
    expect(at(m, 500 + 470, 500)).toBe(0);
    expect(at(m, 950, 60)).toBe(1);
  });

  it('needs landmarks', () => {
    expect(() => faceOvalMask({ width: 4, height: 4 }, [{}])).toThrow(/468 mesh landmarks/);
  });
});
