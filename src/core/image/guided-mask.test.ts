import { describe, expect, it } from 'vitest';
import { createImage, createMask } from './image.js';
import { guidedMask } from './guided-mask.js';

/** A 40x10 photo, dark left of x = 20 and light right of it, and a mask that ramps across x 14..26. */
function blurryEdge() {
  const guide = createImage(40, 10);
  const mask = createMask(40, 10);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 40; x++) {
      guide.data.fill(x < 20 ? 0.2 : 0.8, (y * 40 + x) * 3, (y * 40 + x + 1) * 3);
      mask.data[y * 40 + x] = Math.min(1, Math.max(0, (x - 14) / 12));
    }
  }
  return { guide, mask };
}

describe('guidedMask', () => {
  it("moves a blurry mask edge onto the photo's edge", () => {
    const { guide, mask } = blurryEdge();
    const out = guidedMask(mask, guide, 4, 1e-4);
    const at = (x: number) => out.data[5 * 40 + x]!;
    // Before, one pixel across the edge adds 1/12 of the ramp; after, it is the largest step.
    expect(at(20) - at(19)).toBeGreaterThan(0.35);
    for (const x of [16, 18, 22, 24]) expect(at(x + 1) - at(x)).toBeLessThan(0.06);
    expect(at(19)).toBeLessThan(mask.data[5 * 40 + 19]!);
    expect(at(20)).toBeGreaterThan(mask.data[5 * 40 + 20]!);
  });

  it('leaves a flat photo region as the (locally averaged) mask and keeps [0, 1]', () => {
    const { guide, mask } = blurryEdge();
    guide.data.fill(0.5);
    const out = guidedMask(mask, guide, 2, 1e-3);
    expect(out.data[5 * 40 + 20]!).toBeCloseTo(mask.data[5 * 40 + 20]!, 3);
    expect(Math.min(...out.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out.data)).toBeLessThanOrEqual(1);
  });

  it('rejects a bad radius, eps or guide size', () => {
    const { guide, mask } = blurryEdge();
    expect(() => guidedMask(mask, guide, -1, 1e-3)).toThrow(/non-negative integer/);
    expect(() => guidedMask(mask, guide, 2, 0)).toThrow(/positive number/);
    expect(() => guidedMask(mask, createImage(4, 4), 2, 1e-3)).toThrow(/40x10/);
  });
});
