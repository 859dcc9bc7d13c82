import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage } from '../image/image.js';
import { scaledSigma } from './blur.js';

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
});
