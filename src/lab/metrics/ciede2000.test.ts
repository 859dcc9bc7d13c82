import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ciede2000, ciede2000Pixels, meanCiede2000 } from './ciede2000.js';
import type { Lab } from './color.js';

/**
 * Table 1 of G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 Color-Difference Formula:
 * Implementation Notes, Supplementary Test Data, and Mathematical Observations", Color Res.
 * Appl. 30(1), 2005 — all 34 pairs, [L1, a1, b1, L2, a2, b2, ΔE00] with ΔE00 rounded to 4
 * decimals. Transcribed from the same table as it appears in the test suites of the `color-diff`
 * package (github.com/markusn/color-diff, test/diff.js) and of Argyll CMS's icclib (cietest.c),
 * which agree value for value.
 */
const SHARMA_TABLE_1: readonly (readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
])[] = [
  [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
  [50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615],
  [50.0, 2.8361, -74.02, 50.0, 0.0, -82.7485, 3.4412],
  [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0],
  [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
  [50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.001, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195],
  [50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.001, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
  [50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065],
  [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
  [50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977],
  [50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.903],
  [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
  [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0],
  [50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2592, 0.335, 1.0],
  [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
  [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.263],
  [61.2901, 3.7196, -5.3901, 61.4292, 2.248, -4.962, 1.8731],
  [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
  [22.7233, 20.0904, -46.694, 23.0331, 14.973, -42.5619, 2.0373],
  [36.4612, 47.858, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
  [90.8027, -2.0831, 1.441, 91.1528, -1.6435, 0.0447, 1.4441],
  [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
  [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
  [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
];

// color-diff ships no type declarations; require() keeps that contained to this one line.
const colorDiff = createRequire(import.meta.url)('color-diff') as {
  diff(c1: { L: number; a: number; b: number }, c2: { L: number; a: number; b: number }): number;
};

const pairs = SHARMA_TABLE_1.map(([L1, a1, b1, L2, a2, b2, dE]) => ({
  lab1: [L1, a1, b1] as Lab,
  lab2: [L2, a2, b2] as Lab,
  dE,
}));

// The published values have 4 decimals, so a correct implementation is within 5e-5.
const TOLERANCE = 1e-4;

describe('ciede2000', () => {
  it.each(pairs.map((pair, index) => ({ n: index + 1, ...pair })))(
    'matches Sharma et al. 2005 Table 1 pair $n ($dE)',
    ({ lab1, lab2, dE }) => {
      expect(Math.abs(ciede2000(lab1, lab2) - dE)).toBeLessThanOrEqual(TOLERANCE);
      // The formula is symmetric; the table's pairs 7/8 check it, this checks all.
      expect(Math.abs(ciede2000(lab2, lab1) - dE)).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it('is 0 for identical colours and 100 from white to black', () => {
    expect(ciede2000([63, -12, 40], [63, -12, 40])).toBe(0);
    expect(ciede2000([0, 0, 0], [0, 0, 0])).toBe(0);
    expect(ciede2000([100, 0, 0], [0, 0, 0])).toBeCloseTo(100, 10);
  });

  it('divides each term by its parametric weight', () => {
    // With only a lightness difference, ΔE scales as 1/kL.
    const base = ciede2000([50, 10, 10], [60, 10, 10]);
    expect(ciede2000([50, 10, 10], [60, 10, 10], { kL: 2 })).toBeCloseTo(base / 2, 12);
    expect(ciede2000([50, 10, 10], [60, 10, 10], { kC: 2, kH: 3 })).toBeCloseTo(base, 12);
  });

  it('agrees with the color-diff package to 1e-9 on arbitrary colours', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 2000; n++) {
      const lab1: Lab = [next() * 100, next() * 200 - 100, next() * 200 - 100];
      const lab2: Lab = [next() * 100, next() * 200 - 100, next() * 200 - 100];
      const theirs = colorDiff.diff(
        { L: lab1[0], a: lab1[1], b: lab1[2] },
        { L: lab2[0], a: lab2[1], b: lab2[2] },
      );
      expect(Math.abs(ciede2000(lab1, lab2) - theirs)).toBeLessThan(1e-9);
    }
  });
  it('agrees with color-diff to 1e-9 on small differences, neutrals and every hue', () => {
    // The fast path replaces atan2/sin/cos with hue vectors and drops R_T below h' = 125°;
    // sweep hues all round the circle with image-like differences (ΔE up to ~5), plus greys.
    const theirs = (p: Lab, q: Lab): number =>
      colorDiff.diff({ L: p[0], a: p[1], b: p[2] }, { L: q[0], a: q[1], b: q[2] });
    for (let deg = 0; deg < 360; deg += 0.5) {
      for (const chroma of [0.3, 4, 25, 70]) {
        const h = (deg * Math.PI) / 180;
        const lab1: Lab = [55, chroma * Math.cos(h), chroma * Math.sin(h)];
        const lab2: Lab = [
          57.5,
          chroma * 1.05 * Math.cos(h + 0.04),
          chroma * 1.05 * Math.sin(h + 0.04),
        ];
        expect(Math.abs(ciede2000(lab1, lab2) - theirs(lab1, lab2))).toBeLessThan(1e-9);
      }
    }
    const neutrals: [Lab, Lab][] = [
      [
        [40, 0, 0],
        [45, 0, 0],
      ],
      [
        [40, 0, 0],
        [45, 3, -4],
      ],
      [
        [70, -2, 0],
        [70, 0, 0],
      ],
      [
        [50, 0, 5],
        [50, 0, -5],
      ],
    ];
    for (const [p, q] of neutrals)
      expect(Math.abs(ciede2000(p, q) - theirs(p, q))).toBeLessThan(1e-9);
  });
});

describe('meanCiede2000 and ciede2000Pixels', () => {
  const lab1 = Float32Array.from(pairs.flatMap((p) => [...p.lab1]));
  const lab2 = Float32Array.from(pairs.flatMap((p) => [...p.lab2]));

  // Float32 storage moves the inputs by ~1e-7 relative, which is enough to flip the hue-mean
  // branch of pairs 9-14 (they sit on the 180° discontinuity on purpose), so the batch versions
  // are checked against the scalar formula on the same float32-rounded colours.
  const scalar = pairs.map((_, p) =>
    ciede2000(
      [lab1[3 * p]!, lab1[3 * p + 1]!, lab1[3 * p + 2]!],
      [lab2[3 * p]!, lab2[3 * p + 1]!, lab2[3 * p + 2]!],
    ),
  );

  it('computes the per-pixel formula over interleaved Lab arrays', () => {
    const perPixel = ciede2000Pixels(lab1, lab2);
    expect(perPixel).toHaveLength(34);
    scalar.forEach((dE, i) => expect(perPixel[i]).toBe(Math.fround(dE)));
    // Away from the discontinuity the float32 inputs still reproduce the table.
    pairs.forEach((pair, i) => {
      if (i < 8 || i > 13) expect(Math.abs(perPixel[i]! - pair.dE)).toBeLessThan(2e-4);
    });
  });

  it('averages with mask weights and skips zero-weight pixels', () => {
    const all = meanCiede2000(lab1, lab2);
    expect(all.weightSum).toBe(34);
    expect(all.mean).toBeCloseTo(scalar.reduce((s, v) => s + v, 0) / 34, 12);

    // Weight 1 on pair 17 (27.1492), 0.5 on pair 1 (2.0425), 0 elsewhere.
    const weights = new Float32Array(34);
    weights[16] = 1;
    weights[0] = 0.5;
    const weighted = meanCiede2000(lab1, lab2, { weights });
    expect(weighted.weightSum).toBe(1.5);
    expect(weighted.mean).toBeCloseTo((27.1492 + 0.5 * 2.0425) / 1.5, 3);
  });

  it('returns NaN with weight 0 when the mask selects nothing, and 0 for identical arrays', () => {
    const none = meanCiede2000(lab1, lab2, { weights: new Float32Array(34) });
    expect(none.weightSum).toBe(0);
    expect(none.mean).toBeNaN();
    expect(meanCiede2000(lab1, lab1.slice())).toEqual({ mean: 0, weightSum: 34 });
  });

  it('rejects arrays that do not pair up', () => {
    expect(() => meanCiede2000(lab1, lab2.subarray(3))).toThrow(
      /Expected a Lab array of 102 values like lab1 for lab2/,
    );
    expect(() => meanCiede2000(lab1, lab2, { weights: new Float32Array(3) })).toThrow(
      /Expected a Float32Array of 34 weights for weights/,
    );
    expect(() => ciede2000Pixels(new Float32Array(4), new Float32Array(4))).toThrow(
      /multiple of 3/,
    );
  });
});
