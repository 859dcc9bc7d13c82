import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image.js';
import { resizeImage } from '../image/resize.js';
import { letterbox, padImage, unletterbox } from './letterbox.js';

function smooth(width: number, height: number): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = x / width;
      image.data[o + 1] = y / height;
      image.data[o + 2] = 0.5 + 0.4 * Math.sin((x + y) / 15);
    }
  return image;
}

function meanAbsDiff(a: Image, b: Image): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

describe('letterbox', () => {
  it('centres the scaled picture on the fill colour', () => {
    const { image, box } = letterbox(smooth(150, 100), 64, 64, [0.1, 0.2, 0.3]);
    expect([image.width, image.height]).toEqual([64, 64]);
    expect(box).toEqual({ x: 0, y: 10, width: 64, height: 43 });
    expect(Array.from(image.data.subarray(0, 3))).toEqual([
      expect.closeTo(0.1, 6),
      expect.closeTo(0.2, 6),
      expect.closeTo(0.3, 6),
    ]);
    const inside = ((box.y + 20) * 64 + 32) * 3;
    expect(image.data[inside]).toBeCloseTo(0.5, 1);
  });

  it('upscales a small picture to fill the box', () => {
    const { box } = letterbox(smooth(10, 20), 64, 64);
    expect(box).toEqual({ x: 16, y: 0, width: 32, height: 64 });
  });

  it('round-trips through unletterbox', () => {
    const source = smooth(150, 100);
    const { image, box } = letterbox(source, 128, 128);
    expect(meanAbsDiff(unletterbox(image, box, 1, 150, 100), source)).toBeLessThan(0.01);
  });

  it('round-trips a 2x model output', () => {
    const source = smooth(90, 60);
    const { image, box } = letterbox(source, 64, 64);
    const doubled = resizeImage(image, 128, 128);
    const back = unletterbox(doubled, box, 2, 180, 120);
    expect(meanAbsDiff(back, resizeImage(source, 180, 120))).toBeLessThan(0.02);
  });
});

describe('padImage', () => {
  it('repeats the right and bottom edges', () => {
    const image = createImage(2, 1, new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]));
    const out = padImage(image, 3, 2);
    expect(Array.from(out.data, (v) => Math.round(v * 10))).toEqual([
      1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 4, 5, 6, 4, 5, 6,
    ]);
    expect(padImage(image, 2, 1)).toBe(image);
  });
});
