import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { resizeTo, ResizeOptionsSchema } from './resize.js';

const image = (w: number, h: number) => createImage(w, h, new Float32Array(w * h * 3).fill(0.4));
const size = (o: object, w = 400, h = 300) => {
  const out: Image = resizeTo(image(w, h), ResizeOptionsSchema.parse(o));
  return [out.width, out.height];
};

describe('resize', () => {
  it('fits inside a box, never upscaling unless asked', () => {
    expect(size({ width: 200, height: 200 })).toEqual([200, 150]);
    expect(size({ width: 200 })).toEqual([200, 150]);
    expect(size({ height: 30 })).toEqual([40, 30]);
    expect(size({ width: 800, height: 800 })).toEqual([400, 300]);
    expect(size({ width: 800, height: 800, upscale: true })).toEqual([800, 600]);
  });

  it('caps the long side with maxSide', () => {
    expect(size({ maxSide: 100 })).toEqual([100, 75]);
    expect(size({ maxSide: 100 }, 300, 400)).toEqual([75, 100]);
    expect(size({ maxSide: 1000 })).toEqual([400, 300]);
  });

  it('covers (fills and crops) or stretches to an exact size', () => {
    expect(size({ width: 100, height: 100, fit: 'cover' })).toEqual([100, 100]);
    expect(size({ width: 100, height: 100, fit: 'fill' })).toEqual([100, 100]);
    expect(size({ width: 37, height: 91, fit: 'cover', kernel: 'bilinear' })).toEqual([37, 91]);
  });

  it('runs as a `resize` step and needs a size', async () => {
    const ctx = createContext();
    const runner = await compile(
      validateSpec({
        id: 'r',
        version: 1,
        steps: [{ type: 'resize', maxSide: 64, kernel: 'bicubic' }],
      }),
      ctx,
    );
    const out = await runner.run(image(128, 32));
    expect([out.image.width, out.image.height]).toEqual([64, 16]);
    expect(out.image.data[0]).toBeCloseTo(0.4, 5);
    await expect(
      compile(
        validateSpec({ id: 'r', version: 1, steps: [{ type: 'resize', fit: 'cover' }] }),
        ctx,
      ),
    ).rejects.toMatchObject({
      code: 'FL_ERR_SPEC_INVALID',
      message: expect.stringContaining('give width, height or maxSide'),
    });
  });
});
