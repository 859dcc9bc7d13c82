import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { grain, GrainOptionsSchema } from './grain.js';

const grey = (w: number, h: number, v = 0.5) =>
  createImage(w, h, new Float32Array(w * h * 3).fill(v));

function stats(a: Image, b: Image): { mean: number; sd: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    sum += d;
    sq += d * d;
  }
  const mean = sum / a.data.length;
  return { mean, sd: Math.sqrt(sq / a.data.length - mean * mean) };
}

describe('grain', () => {
  const options = GrainOptionsSchema.parse({ amount: 0.05, size: 0 });

  it('is the same for the same seed and different across seeds', () => {
    const image = grey(32, 24);
    expect(grain(image, options, 7).data).toEqual(grain(image, options, 7).data);
    const other = grain(image, options, 8);
    expect(stats(other, grain(image, options, 7)).sd).toBeGreaterThan(0.03);
  });

  it('has the asked-for spread in midtones, at any grain size, and no bias', () => {
    const image = grey(128, 128);
    for (const size of [0, 1, 4]) {
      const out = grain(image, GrainOptionsSchema.parse({ amount: 0.05, size }), 1);
      const { mean, sd } = stats(out, image);
      expect(Math.abs(mean)).toBeLessThan(0.003);
      expect(sd).toBeGreaterThan(0.045);
      expect(sd).toBeLessThan(0.055);
    }
  });

  it('leaves pure black and white alone, and amount 0 changes nothing', () => {
    for (const v of [0, 1])
      expect(stats(grain(grey(8, 8, v), options, 1), grey(8, 8, v)).sd).toBe(0);
    const image = grey(8, 8, 0.3);
    expect(grain(image, GrainOptionsSchema.parse({ amount: 0 }), 3).data).toEqual(image.data);
  });

  it('monochrome grain moves all channels together', () => {
    const out = grain(grey(16, 16), options, 2);
    for (let i = 0; i < out.data.length; i += 3) {
      expect(out.data[i]).toBe(out.data[i + 1]);
      expect(out.data[i + 1]).toBe(out.data[i + 2]);
    }
    const colour = grain(grey(16, 16), { ...options, monochrome: false }, 2);
    expect(colour.data[0]).not.toBe(colour.data[1]);
  });

  it('runs as a `grain` step seeded by the run seed', async () => {
    const runner = await compile(
      validateSpec({ id: 'g', version: 1, steps: [{ type: 'grain', amount: 0.05 }] }),
      createContext(),
    );
    const image = grey(16, 16);
    const a = await runner.run(image, { seed: 1 });
    const b = await runner.run(image, { seed: 1 });
    const c = await runner.run(image, { seed: 2 });
    expect(a.image.data).toEqual(b.image.data);
    expect(a.image.data).not.toEqual(c.image.data);
    expect(a.meta.seed).toBe(1);
  });
});

describe('grain sized to the face', () => {
  const o = GrainOptionsSchema.parse({ amount: 0.05, size: 1.2, scale: 'face' });

  it('is finer and weaker on a small face than on a large one, as the pixels average it', () => {
    const image = grey(128, 128);
    const small = stats(grain(image, o, 1, 60), image).sd;
    const large = stats(grain(image, o, 1, 600), image).sd;
    // 1.2 px of a 256-px face: sigma 0.14 px on a 60-px face (amount x 0.28), 1.4 px on 600.
    expect(small).toBeGreaterThan(0.01);
    expect(small).toBeLessThan(0.02);
    expect(large).toBeGreaterThan(0.045);
  });

  it('falls back to the frame without a face (the cat), in a filter', async () => {
    const ctx = createContext();
    const runner = await compile(
      validateSpec({
        id: 'g',
        version: 1,
        steps: [{ type: 'grain', amount: 0.05, scale: 'face' }],
      }),
      ctx,
    );
    const image = grey(64, 48);
    const out = (await runner.run(image)).image;
    expect(stats(out, image).sd).toBeGreaterThan(0.04);
  });
});
