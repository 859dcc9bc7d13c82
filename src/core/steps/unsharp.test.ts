import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, type Image } from '../image/image.js';
import { unsharp, UnsharpOptionsSchema } from './unsharp.js';

/** A vertical edge: 0.3 on the left half, 0.7 on the right. */
function edge(): Image {
  const image = createImage(40, 8);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 40; x++)
      image.data.fill(x < 20 ? 0.3 : 0.7, (y * 40 + x) * 3, (y * 40 + x + 1) * 3);
  return image;
}
const row = (image: Image) =>
  Array.from({ length: image.width }, (_, x) => image.data[(4 * image.width + x) * 3]!);

describe('unsharp', () => {
  const options = UnsharpOptionsSchema.parse({
    sigma: 1.5,
    amount: 1,
    relative: false,
    threshold: 0,
  });

  it('increases contrast across an edge and leaves flat areas', () => {
    const out = row(unsharp(edge(), options));
    expect(out[19]!).toBeLessThan(0.3 - 0.02);
    expect(out[20]!).toBeGreaterThan(0.7 + 0.02);
    expect(out[0]).toBeCloseTo(0.3, 6);
    expect(out[39]).toBeCloseTo(0.7, 6);
  });

  it('leaves differences under the threshold alone', () => {
    const out = unsharp(edge(), { ...options, threshold: 0.5 });
    expect(Array.from(out.data)).toEqual(Array.from(edge().data));
  });

  it('runs as an `unsharp` step', async () => {
    const runner = await compile(
      validateSpec({
        id: 'u',
        version: 1,
        steps: [{ type: 'unsharp', sigma: 1.5, amount: 1, relative: false }],
      }),
      createContext(),
    );
    const out = row((await runner.run(edge())).image);
    expect(out[20]! - out[19]!).toBeGreaterThan(0.44);
  });
});
