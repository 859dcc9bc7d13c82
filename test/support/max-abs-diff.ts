import { expect } from 'vitest';
import type { Image } from '../../src/core/image/image.js';

/** The largest difference between two images' values; they must be the same size. */
export function maxAbsDiff(a: Image, b: Image): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}
