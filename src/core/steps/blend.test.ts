import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { createImage, createMask, type Image } from '../image/image.js';
import { blend } from './blend.js';

const flat = (w: number, h: number, v: number) =>
  createImage(w, h, new Float32Array(w * h * 3).fill(v));
const red = (image: Image) =>
  Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 3]!);
const NO = { invert: false, feather: 0, strength: 1 };

describe('blend', () => {
  const base = flat(4, 1, 0);
  const top = flat(4, 1, 1);
  const mask = createMask(4, 1, new Float32Array([0, 0.25, 0.5, 1]));

  it('lays the overlay over the base through the mask', () => {
    expect(red(blend(base, top, mask, NO))).toEqual([0, 0.25, 0.5, 1]);
  });

  it('inverts the mask and scales by strength', () => {
    expect(red(blend(base, top, mask, { ...NO, invert: true }))).toEqual([1, 0.75, 0.5, 0]);
    expect(red(blend(base, top, mask, { ...NO, strength: 0.5 }))).toEqual([0, 0.125, 0.25, 0.5]);
    expect(red(blend(base, top, undefined, { ...NO, strength: 0.3 }))).toEqual(
      [0.3, 0.3, 0.3, 0.3].map((v) => expect.closeTo(v, 6)),
    );
  });

  it('feathers a hard mask edge', () => {
    const hard = createMask(
      64,
      1,
      new Float32Array(64).map((_, i) => (i < 32 ? 0 : 1)),
    );
    const out = red(blend(flat(64, 1, 0), flat(64, 1, 1), hard, { ...NO, feather: 64 }));
    expect(out[31]!).toBeGreaterThan(0.2);
    expect(out[32]!).toBeLessThan(0.8);
    expect(out[0]!).toBeLessThan(0.01);
    for (let i = 1; i < 64; i++) expect(out[i]!).toBeGreaterThanOrEqual(out[i - 1]! - 1e-6);
  });

  it('decontaminates the kept input where the mask is fractional, nowhere else', () => {
    // A red person over a green background, mixed at 50% in the middle column.
    const w = 64;
    const mask = createMask(
      w,
      1,
      new Float32Array(w).map((_, x) => (x < 32 ? 1 : x > 32 ? 0 : 0.5)),
    );
    const photo = createImage(
      w,
      1,
      new Float32Array(w * 3).map((_, i) => {
        const m = mask.data[Math.floor(i / 3)]!;
        return [0.8, 0.1, 0.1][i % 3]! * m + [0.1, 0.7, 0.1][i % 3]! * (1 - m);
      }),
    );
    const backdrop = flat(w, 1, 0);
    const plain = blend(photo, backdrop, mask, { ...NO, invert: true });
    const clean = blend(photo, backdrop, mask, { ...NO, invert: true, decontaminate: true });
    // 50% of the person over black: red 0.4, green 0.05, not the photo's green 0.2.
    expect(plain.data[32 * 3 + 1]!).toBeCloseTo(0.2, 5);
    expect(clean.data[32 * 3]!).toBeCloseTo(0.4, 1);
    expect(clean.data[32 * 3 + 1]!).toBeLessThan(0.08);
    for (const x of [0, 31, 33, 63])
      expect(Array.from(clean.data.subarray(x * 3, x * 3 + 3))).toEqual(
        Array.from(plain.data.subarray(x * 3, x * 3 + 3)),
      );
  });

  it('resizes an overlay and a mask of another size', () => {
    const out = blend(
      flat(8, 8, 0),
      flat(2, 2, 1),
      createMask(2, 2, new Float32Array(4).fill(1)),
      NO,
    );
    expect(red(out).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });
});

describe('blend and mask.file steps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-blend-'));
    // left half black, right half white
    const pixels = Buffer.alloc(8 * 4, 0).map((_, i) => (i % 8 >= 4 ? 255 : 0));
    await sharp(pixels, { raw: { width: 8, height: 4, channels: 1 } })
      .png()
      .toFile(path.join(dir, 'half.png'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const spec = (maskStep: object, blendStep: object) =>
    validateSpec({
      id: 'masked',
      version: 1,
      steps: [
        { type: 'tone', exposure: 5, output: 'bright' },
        { type: 'mask.file', file: 'half.png', ...maskStep },
        { type: 'blend', overlay: 'bright', mask: 'mask', ...blendStep },
      ],
    });

  it('blends a brightened copy where the mask file is white', async () => {
    const runner = await compile(spec({}, {}), createContext(), { baseDir: dir });
    const out = await runner.run(flat(16, 8, 0.2));
    const r = red(out.image);
    expect(r[0]).toBeCloseTo(0.2, 5); // left: the input
    expect(r[15]).toBe(1); // right: the overlay
    expect(out.values.mask('mask').width).toBe(16);
  });

  it('inverts in the mask step or in the blend step alike', async () => {
    const a = await compile(spec({ invert: true }, {}), createContext(), { baseDir: dir });
    const b = await compile(spec({}, { invert: true }), createContext(), { baseDir: dir });
    const image = flat(8, 4, 0.2);
    const ra = red((await a.run(image)).image);
    expect(ra[0]).toBe(1);
    expect(ra).toEqual(red((await b.run(image)).image));
  });

  it('refuses a mask file that does not exist, naming it', async () => {
    await expect(
      compile(spec({ file: 'nope.png' }, {}), createContext(), { baseDir: dir }),
    ).rejects.toMatchObject({ code: 'FL_ERR_IO', message: expect.stringContaining('nope.png') });
  });
});
