import { describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage } from '../image/image.js';

describe('smooth step', () => {
  it('runs as a `smooth` step: texture goes, the edge stays', async () => {
    const image = createImage(64, 32);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 64; x++) {
        const v = (x < 32 ? 0.3 : 0.9) + ((x * 7 + y * 3) % 5) * 0.005;
        image.data.fill(v, (y * 64 + x) * 3, (y * 64 + x + 1) * 3);
      }
    }
    const runner = await compile(
      validateSpec({
        id: 's',
        version: 1,
        steps: [{ type: 'smooth', radius: 3, relative: false, threshold: 0.05 }],
      }),
      createContext(),
    );
    const out = (await runner.run(image)).image;
    const row = (img: typeof image, x0: number, x1: number) => {
      const v = [];
      for (let x = x0; x < x1; x++) v.push(img.data[(16 * 64 + x) * 3]!);
      return Math.max(...v) - Math.min(...v);
    };
    expect(row(image, 4, 28)).toBeGreaterThan(0.019);
    expect(row(out, 4, 28)).toBeLessThan(0.005);
    const at = (x: number) => out.data[(16 * 64 + x) * 3]!;
    expect(at(32) - at(31)).toBeGreaterThan(0.5);
  });
});
