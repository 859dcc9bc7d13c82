import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { blurImage } from '../image/blur.js';
import { createImage } from '../image/image.js';
import { blurExcluding, scaledSigma } from './blur.js';

describe('blur step', () => {
  it('scales a relative sigma with the long side', () => {
    expect(scaledSigma(2, true, 2048, 1000)).toBe(4);
    expect(scaledSigma(2, false, 2048, 1000)).toBe(2);
  });

  it('runs as a `blur` step and spreads an impulse', async () => {
    const image = createImage(21, 21);
    image.data.fill(1, (10 * 21 + 10) * 3, (10 * 21 + 11) * 3);
    const runner = await compile(
      validateSpec({ id: 'b', version: 1, steps: [{ type: 'blur', sigma: 2, relative: false }] }),
      createContext(),
    );
    const out = (await runner.run(image)).image;
    const sum = out.data.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(3, 4);
    expect(out.data[(10 * 21 + 10) * 3]!).toBeLessThan(0.1);
  });

  it('needs a sigma', async () => {
    await expect(
      compile(validateSpec({ id: 'b', version: 1, steps: [{ type: 'blur' }] }), createContext()),
    ).rejects.toMatchObject({
      code: 'FL_ERR_SPEC_INVALID',
      message: expect.stringContaining('steps[0].sigma'),
    });
  });

  it('keeps an excluded region out of the blur (no halo of it on the rest)', async () => {
    // Left half red and excluded (the "person"), right half blue (the "background").
    const image = createImage(40, 10);
    const mask = { width: 40, height: 10, data: new Float32Array(400) };
    for (let i = 0; i < 400; i++) {
      const left = i % 40 < 20;
      image.data[i * 3 + (left ? 0 : 2)] = 1;
      mask.data[i] = left ? 1 : 0;
    }
    const red = (img: typeof image, x: number) => img.data[(5 * 40 + x) * 3]!;
    expect(red(blurExcluding(image, mask, 3), 21)).toBeLessThan(1e-6);
    expect(red(blurImage(image, 3), 21)).toBeGreaterThan(0.1);
  });

  it('checks at compile time that `exclude` names a mask', async () => {
    await expect(
      compile(
        validateSpec({
          id: 'b',
          version: 1,
          steps: [{ type: 'blur', sigma: 2, exclude: 'person' }],
        }),
        createContext(),
      ),
    ).rejects.toMatchObject({
      code: 'FL_ERR_SPEC_INVALID',
      message: expect.stringContaining('refers to "person" but no earlier step produces it'),
    });
  });
});
