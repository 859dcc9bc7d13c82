import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image.js';
import { luma601, srgbToLinear } from '../image/srgb.js';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { ToneOptionsSchema, tone, type ToneOptions } from './tone.js';

const opts = (o: Partial<ToneOptions>): ToneOptions => ToneOptionsSchema.parse(o);
const pixels = (...rgb: number[]) => createImage(rgb.length / 3, 1, new Float32Array(rgb));
const px = (image: Image, i = 0) => Array.from(image.data.subarray(i * 3, i * 3 + 3));

describe('tone', () => {
  it('changes nothing with default options', () => {
    const image = pixels(0.1, 0.5, 0.9, 0, 1, 0.3);
    expect(Array.from(tone(image, opts({})).data)).toEqual(Array.from(image.data));
  });

  it('exposure +1 doubles linear light', () => {
    const image = pixels(0.2, 0.35, 0.5);
    const out = tone(image, opts({ exposure: 1 }));
    for (let c = 0; c < 3; c++) {
      const ratio = srgbToLinear(out.data[c]!) / srgbToLinear(image.data[c]!);
      expect(ratio).toBeCloseTo(2, 3);
    }
    expect(srgbToLinear(tone(image, opts({ exposure: -1 })).data[0]!)).toBeCloseTo(
      srgbToLinear(0.2) / 2,
      4,
    );
  });

  it('saturation -1 gives grey at the same luma', () => {
    const out = tone(pixels(0.8, 0.3, 0.1), opts({ saturation: -1 }));
    const [r, g, b] = px(out) as [number, number, number];
    expect(r).toBeCloseTo(g, 6);
    expect(g).toBeCloseTo(b, 6);
    expect(r).toBeCloseTo(luma601(0.8, 0.3, 0.1), 6);
  });

  it('saturation +1 doubles the distance from grey', () => {
    const out = tone(pixels(0.6, 0.4, 0.5), opts({ saturation: 1 }));
    const y = luma601(0.6, 0.4, 0.5);
    expect(out.data[0]).toBeCloseTo(y + 2 * (0.6 - y), 5);
  });

  it('contrast scales around mid grey; -1 flattens to it', () => {
    const image = pixels(0.5, 0.3, 0.7);
    const out = tone(image, opts({ contrast: 0.5 }));
    expect(px(out)).toEqual([0.5, expect.closeTo(0.2, 6), expect.closeTo(0.8, 6)]);
    expect(px(tone(image, opts({ contrast: -1 })))).toEqual([0.5, 0.5, 0.5]);
  });

  it('temperature warms towards amber and cools towards blue; tint towards magenta', () => {
    const grey = pixels(0.5, 0.5, 0.5);
    const [wr, wg, wb] = px(tone(grey, opts({ temperature: 0.5 }))) as [number, number, number];
    expect(wr).toBeGreaterThan(wg);
    expect(wg).toBeGreaterThan(wb);
    const [cr, , cb] = px(tone(grey, opts({ temperature: -0.5 }))) as [number, number, number];
    expect(cb).toBeGreaterThan(cr);
    const [mr, mg, mb] = px(tone(grey, opts({ tint: 0.5 }))) as [number, number, number];
    expect(mg).toBeLessThan(mr);
    expect(mr).toBeCloseTo(mb, 6);
  });

  it('fade lifts blacks and lowers whites', () => {
    const out = tone(pixels(0, 0, 0, 1, 1, 1), opts({ fade: 1 }));
    expect(out.data[0]).toBeCloseTo(0.12, 6);
    expect(out.data[3]).toBeCloseTo(0.92, 6);
  });

  it('curves pass through their points and keep tone order', () => {
    const ramp = createImage(256, 1);
    for (let i = 0; i < 256; i++) ramp.data.fill(i / 255, i * 3, i * 3 + 3);
    const out = tone(
      ramp,
      opts({
        curves: {
          rgb: [
            [0, 0],
            [0.25, 0.1],
            [0.3, 0.6],
            [1, 1],
          ],
          b: [
            [0, 0.2],
            [1, 0.8],
          ],
        },
      }),
    );
    for (let i = 1; i < 256; i++) {
      for (let c = 0; c < 3; c++)
        expect(out.data[i * 3 + c]!).toBeGreaterThanOrEqual(out.data[(i - 1) * 3 + c]!);
    }
    expect(out.data[0]).toBeCloseTo(0, 6);
    expect(out.data[255 * 3]).toBeCloseTo(1, 6);
    expect(out.data[2]).toBeCloseTo(0.2, 3); // the blue curve runs after the rgb one
    expect(out.data[255 * 3 + 2]).toBeCloseTo(0.8, 3);
  });

  it('runs as a `tone` step and validates its options', async () => {
    const ctx = createContext();
    const spec = validateSpec({ id: 't', version: 1, steps: [{ type: 'tone', saturation: -1 }] });
    const runner = await compile(spec, ctx);
    const out = await runner.run(pixels(0.9, 0.1, 0.1));
    expect(out.image.data[0]).toBeCloseTo(out.image.data[1]!, 6);
    await expect(
      compile(validateSpec({ id: 't', version: 1, steps: [{ type: 'tone', exposure: 6 }] }), ctx),
    ).rejects.toMatchObject({
      code: 'FL_ERR_SPEC_INVALID',
      message: expect.stringContaining('steps[0].exposure'),
    });
    await expect(
      compile(
        validateSpec({
          id: 't',
          version: 1,
          steps: [
            {
              type: 'tone',
              curves: {
                rgb: [
                  [0.5, 0],
                  [0.2, 1],
                ],
              },
            },
          ],
        }),
        ctx,
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('strictly increasing') });
  });
});

describe('tone: skin protection and the toe fade', () => {
  const skinDark = [0.4, 0.25, 0.18];
  const skinLight = [0.85, 0.68, 0.58];
  const blue = [0.2, 0.35, 0.7];
  const chroma = (rgb: number[]) => Math.max(...rgb) - Math.min(...rgb);

  it('protectSkin keeps skin hues (every tone) out of a saturation boost, not other hues', () => {
    const input = pixels(...skinDark, ...skinLight, ...blue);
    const out = tone(input, opts({ saturation: 0.5, protectSkin: 1 }));
    for (const i of [0, 1])
      expect(px(out, i)).toEqual(px(input, i).map((v) => expect.closeTo(v, 6)));
    expect(chroma(px(out, 2))).toBeGreaterThan(1.4 * chroma(blue));
    const plain = tone(input, opts({ saturation: 0.5 }));
    expect(chroma(px(plain, 0))).toBeGreaterThan(1.4 * chroma(skinDark));
  });

  it('the toe fade lifts only deep shadows: darker and lighter skin keep their values', () => {
    const input = pixels(0, 0, 0, ...skinDark, ...skinLight, 1, 1, 1);
    const out = tone(input, opts({ fade: 1, fadeShape: 'toe' }));
    expect(px(out, 0)[0]).toBeCloseTo(0.12, 6);
    expect(px(out, 1)).toEqual(skinDark.map((v) => expect.closeTo(v, 6)));
    expect(px(out, 2)).toEqual(skinLight.map((v) => expect.closeTo(v, 6)));
    expect(px(out, 3)[0]).toBeCloseTo(0.92, 6);
    // Grey shadows are lifted, without a colour cast.
    const shadow = px(tone(pixels(0.1, 0.1, 0.1), opts({ fade: 1, fadeShape: 'toe' })));
    expect(shadow[0]).toBeGreaterThan(0.13);
    expect(shadow[1]).toBeCloseTo(shadow[0]!, 6);
    // Monotone at full fade: darker in, darker out.
    const ramp = tone(
      pixels(...Array.from({ length: 101 }, (_, i) => [i / 100, i / 100, i / 100]).flat()),
      opts({ fade: 1, fadeShape: 'toe' }),
    );
    for (let i = 1; i <= 100; i++)
      expect(px(ramp, i)[0]!).toBeGreaterThanOrEqual(px(ramp, i - 1)[0]!);
  });
});
