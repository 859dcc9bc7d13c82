import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image.js';
import { resizeImage } from '../image/resize.js';
import { runTiled, tileStarts } from './tiles.js';
import { maxAbsDiff } from '../../../test/support/max-abs-diff.js';

function noise(width: number, height: number, seed = 1): Image {
  const image = createImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    image.data[i] = (s >>> 8) / 2 ** 24;
  }
  return image;
}

describe('tileStarts', () => {
  it('covers the length with tiles that overlap by at least the overlap', () => {
    for (const [length, size, overlap] of [
      [150, 64, 8],
      [64, 64, 8],
      [65, 64, 8],
      [1000, 128, 32],
      [129, 64, 0],
    ] as const) {
      const starts = tileStarts(length, size, overlap);
      expect(starts[0]).toBe(0);
      expect(starts.at(-1)! + size).toBe(length);
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
        expect(starts[i - 1]! + size - starts[i]!).toBeGreaterThanOrEqual(overlap);
      }
    }
    expect(tileStarts(30, 64, 8)).toEqual([0]);
  });
});

describe('runTiled', () => {
  const identity = async (tile: Image) => tile;

  for (const [width, height] of [
    [150, 100],
    [64, 64],
    [65, 130],
    [30, 20],
    [200, 7],
  ] as const) {
    it(`reproduces a ${width}x${height} image exactly with an identity model`, async () => {
      const image = noise(width, height);
      const seen: [number, number][] = [];
      const out = await runTiled(image, { size: 64, overlap: 8 }, async (tile) => {
        seen.push([tile.width, tile.height]);
        return tile;
      });
      expect(maxAbsDiff(out, image)).toBeLessThan(1e-6);
      expect(seen.every(([w, h]) => w === 64 && h === 64)).toBe(true);
    });
  }

  it('assembles a 2x model output', async () => {
    const image = noise(150, 100, 7);
    const up = async (tile: Image) => resizeImage(tile, tile.width * 2, tile.height * 2, 'nearest');
    const out = await runTiled(image, { size: 64, overlap: 8, scale: 2 }, up);
    expect(maxAbsDiff(out, resizeImage(image, 300, 200, 'nearest'))).toBeLessThan(1e-6);
    const small = await runTiled(noise(30, 20), { size: 64, overlap: 8, scale: 2 }, up);
    expect([small.width, small.height]).toEqual([60, 40]);
  });

  it('feathers seams: tiles that disagree blend without a step', async () => {
    let n = 0;
    const flat = async (tile: Image) => {
      const value = n++ % 2; // neighbouring tiles answer 0 and 1
      return createImage(tile.width, tile.height, new Float32Array(tile.data.length).fill(value));
    };
    const out = await runTiled(createImage(120, 64), { size: 64, overlap: 16 }, flat);
    let maxStep = 0;
    for (let x = 1; x < out.width; x++)
      maxStep = Math.max(maxStep, Math.abs(out.data[x * 3]! - out.data[(x - 1) * 3]!));
    expect(maxStep).toBeLessThanOrEqual(1 / 16 + 1e-4);
  });

  it('reports progress and stops on abort', async () => {
    const calls: [number, number][] = [];
    await runTiled(
      noise(150, 100),
      { size: 64, overlap: 8, onTile: (d, t) => calls.push([d, t]) },
      identity,
    );
    expect(calls).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, 6]));
    const controller = new AbortController();
    controller.abort();
    await expect(
      runTiled(noise(150, 100), { size: 64, overlap: 8, signal: controller.signal }, identity),
    ).rejects.toMatchObject({ code: 'FL_ERR_ABORTED' });
  });

  it('rejects a bad tile size or overlap', async () => {
    const image = noise(10, 10);
    await expect(runTiled(image, { size: 0, overlap: 0 }, identity)).rejects.toThrow(
      /positive integer for tile size/,
    );
    await expect(runTiled(image, { size: 64, overlap: 32 }, identity)).rejects.toThrow(
      /integer in \[0, 31\] for tile overlap/,
    );
  });
});
