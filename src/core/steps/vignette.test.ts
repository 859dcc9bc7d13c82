import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { vignette, VignetteOptionsSchema } from './vignette.js';

const grey = (w: number, h: number) => createImage(w, h, new Float32Array(w * h * 3).fill(0.5));
const at = (image: Image, x: number, y: number) => image.data[(y * image.width + x) * 3]!;

describe('vignette', () => {
  it('darkens the corners and leaves the centre', () => {
    const out = vignette(grey(41, 31), VignetteOptionsSchema.parse({ amount: 0.5 }));
    expect(at(out, 20, 15)).toBe(0.5);
    for (const [x, y] of [
      [0, 0],
      [40, 0],
      [0, 30],
      [40, 30],
    ] as const)
      expect(at(out, x, y)).toBeLessThan(0.35);
    expect(at(out, 0, 15)).toBeGreaterThan(at(out, 0, 0)); // edges less than corners
  });

  it('lightens the corners with a negative amount; 0 changes nothing', () => {
    const lighter = vignette(grey(41, 31), VignetteOptionsSchema.parse({ amount: -0.5 }));
    expect(at(lighter, 0, 0)).toBeGreaterThan(0.6);
    const same = vignette(grey(9, 9), VignetteOptionsSchema.parse({ amount: 0 }));
    expect(Array.from(same.data)).toEqual(Array.from(grey(9, 9).data));
  });

  it('runs as a `vignette` step', async () => {
    const runner = await compile(
      validateSpec({
        id: 'v',
        version: 1,
        steps: [{ type: 'vignette', amount: 1, radius: 0, softness: 0.01 }],
      }),
      createContext(),
    );
    const out = await runner.run(grey(21, 21));
    expect(at(out.image, 0, 0)).toBe(0);
  });
});
