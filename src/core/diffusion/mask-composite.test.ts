import { describe, expect, it } from 'vitest';
import { createImage, createMask } from '../image/image.js';
import { blendLatents, latentMask } from './latent-mask.js';
import { compositeMasked } from './mask-composite.js';

describe('compositeMasked', () => {
  const photo = createImage(32, 16);
  photo.data.forEach((_, i) => (photo.data[i] = (i % 7) / 7));
  const generated = createImage(32, 16);
  generated.data.fill(1);
  const mask = createMask(32, 16);
  for (let y = 4; y < 12; y++) for (let x = 8; x < 24; x++) mask.data[y * 32 + x] = 1;

  it('keeps unmasked pixels bit for bit and feathers the edge inwards', () => {
    const out = compositeMasked(photo, generated, mask, { feather: 64 }); // sigma 2 px here
    for (let p = 0; p < mask.data.length; p++) {
      const rgb = [0, 1, 2].map((c) => out.data[p * 3 + c]);
      if (mask.data[p] === 0) expect(rgb).toEqual([0, 1, 2].map((c) => photo.data[p * 3 + c]));
    }
    const at = (x: number, y: number) => out.data[(y * 32 + x) * 3 + 2]!;
    const photoAt = (x: number, y: number) => photo.data[(y * 32 + x) * 3 + 2]!;
    expect(at(8, 8)).toBeGreaterThan(photoAt(8, 8)); // the edge moves towards the generated 1
    expect(at(8, 8)).toBeLessThan(1); // but only part of the way
    expect(at(16, 8)).toBeGreaterThan(0.99); // the middle is generated
  });

  it('resizes the generated image and the mask to the photo', () => {
    const small = createImage(16, 8);
    small.data.fill(1);
    const out = compositeMasked(photo, small, mask, { feather: 0 });
    expect(out.data[(8 * 32 + 16) * 3]).toBeCloseTo(1, 5);
    expect(out.data[0]).toBe(photo.data[0]);
  });
});

describe('latent masks', () => {
  it('averages the mask onto the latent grid', () => {
    const mask = createMask(16, 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) mask.data[y * 16 + x] = 1;
    expect(Array.from(latentMask(mask, 2, 1))).toEqual([1, 0]);
    mask.data[0] = 0; // one of 64 pixels under the first latent pixel
    expect(Array.from(latentMask(mask, 2, 1))).toEqual([63 / 64, 0]);
    expect(Array.from(latentMask(mask, 4, 2))).toEqual([0.9375, 1, 0, 0, 1, 1, 0, 0]);
  });

  it('keeps the latents where the mask is 1 and the reference where it is 0, in every channel', () => {
    const latents = new Float32Array([1, 2, 3, 4]); // 2 channels x 2 pixels
    const reference = new Float32Array([10, 20, 30, 40]);
    expect(Array.from(blendLatents(latents, reference, new Float32Array([1, 0.25])))).toEqual([
      1, 15.5, 3, 31,
    ]);
  });
});
