import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../context.js';
import { compile } from '../filters/compile.js';
import { validateSpec } from '../filters/load.js';
import { encodeImage } from '../image/encode.js';
import { createImage, type Image } from '../image/image.js';
import { hexToRgb } from './fill.js';

const ctx = createContext();
const photo = createImage(40, 30);
const px = (image: Image, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fl-fill-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fill(options: Record<string, unknown>): Promise<Image> {
  const spec = validateSpec({ id: 'f', version: 1, steps: [{ type: 'fill', ...options }] });
  return (await (await compile(spec, ctx, { baseDir: dir })).run(photo)).image;
}

describe('fill step', () => {
  it('parses #rrggbb', () => {
    expect(hexToRgb('#ff8000')).toEqual([1, 128 / 255, 0]);
  });

  it('makes a flat colour of the input size', async () => {
    const out = await fill({ mode: 'colour', colour: '#00ff00' });
    expect([out.width, out.height]).toEqual([40, 30]);
    expect(px(out, 0, 0)).toEqual([0, 1, 0]);
    expect(px(out, 39, 29)).toEqual([0, 1, 0]);
  });

  it('makes a top-to-bottom gradient by default, and a left-to-right one at angle 0', async () => {
    const down = await fill({ mode: 'gradient', colour: '#ffffff', colour2: '#000000' });
    expect(px(down, 5, 0)[0]).toBeGreaterThan(0.97);
    expect(px(down, 5, 29)[0]).toBeLessThan(0.03);
    expect(px(down, 0, 15)[0]).toBeCloseTo(px(down, 39, 15)[0]!, 5);
    const across = await fill({
      mode: 'gradient',
      colour: '#000000',
      colour2: '#ff0000',
      angle: 0,
    });
    expect(px(across, 0, 10)[0]).toBeLessThan(0.03);
    expect(px(across, 39, 10)[0]).toBeGreaterThan(0.97);
  });

  it('covers the input with an image file, centred', async () => {
    // 20x10: left half red, right half blue; covering 40x30 scales it to 60x30 and crops 10 px each side.
    const picture = createImage(20, 10);
    for (let i = 0; i < 200; i++) picture.data[i * 3 + (i % 20 < 10 ? 0 : 2)] = 1;
    await writeFile(path.join(dir, 'bg.png'), await encodeImage(picture, { format: 'png' }));
    const out = await fill({ mode: 'image', file: 'bg.png' });
    expect([out.width, out.height]).toEqual([40, 30]);
    expect(px(out, 2, 15)[0]).toBeGreaterThan(0.95);
    expect(px(out, 37, 15)[2]).toBeGreaterThan(0.95);
  });

  it('needs a file for mode image', async () => {
    await expect(fill({ mode: 'image' })).rejects.toMatchObject({
      code: 'FL_ERR_SPEC_INVALID',
      message: expect.stringContaining('Expected a file for mode "image"'),
    });
  });
});
