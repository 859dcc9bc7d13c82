import { describe, expect, it } from 'vitest';
import { createImage, fillMask, type Image } from '../../core/image/image.js';
import { skinBreaks } from './skin-breaks.js';

const N = 40;
const SKIN = [0.8, 0.62, 0.5];

function patch(colour: (x: number, y: number) => readonly number[]): Image {
  const image = createImage(N, N);
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) image.data.set(colour(x, y), (y * N + x) * 3);
  return image;
}

const skin = fillMask(N, N, 1);
const input = patch(() => SKIN);

describe('skinBreaks', () => {
  it('is 0 for an unchanged photo, a uniform warm shift and a lightness step', () => {
    expect(skinBreaks(input, input, skin, 2)!.percent).toBe(0);
    expect(
      skinBreaks(
        input,
        patch(() => [0.85, 0.62, 0.45]),
        skin,
        2,
      )!.percent,
    ).toBe(0);
    const shade = patch((_, y) => (y < 20 ? SKIN : SKIN.map((v) => v * 0.7)));
    expect(skinBreaks(input, shade, skin, 2)!.percent).toBe(0);
  });

  it('more or less saturation on textured skin (vivid, mono) is not a break', () => {
    // Blotchy skin: alternating 4-px stripes of two skin colours.
    const blotchy = patch((x) => (x % 8 < 4 ? SKIN : [0.85, 0.55, 0.45]));
    const scaled = (k: number) =>
      patch((x) => {
        const c = x % 8 < 4 ? SKIN : [0.85, 0.55, 0.45];
        const y = 0.299 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!;
        return c.map((v) => y + (v - y) * k);
      });
    expect(skinBreaks(blotchy, scaled(1.6), skin, 2)!.percent).toBe(0);
    expect(skinBreaks(blotchy, scaled(0), skin, 2)!.percent).toBe(0);
  });

  it('an orange band across the forehead is a jump along its edge', () => {
    // Rows above 10 turned orange: the rows within `span` of row 10 see the new edge.
    const band = patch((_, y) => (y < 10 ? [0.95, 0.45, 0.15] : SKIN));
    const r = skinBreaks(input, band, skin, 2)!;
    // Measured: every pixel with a whole span inside the patch one way or the other (all but
    // the 4 corners' 2x2 blocks); broken: rows 8..11, whose vertical span crosses row 10.
    expect(r.pixels).toBe(N * N - 16);
    expect(r.percent).toBeCloseTo((100 * 4 * N) / (N * N - 16), 5);
  });

  it('only skin pixels count, and a bad span or size is refused', () => {
    const none = fillMask(N, N, 0);
    expect(skinBreaks(input, input, none, 2)).toBeUndefined();
    expect(() => skinBreaks(input, input, skin, 0)).toThrow(/positive integer/);
    expect(() => skinBreaks(input, createImage(2, 2), skin, 2)).toThrow(/40x40/);
  });
});
