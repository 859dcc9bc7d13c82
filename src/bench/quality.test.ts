import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../test/support/paths.js';
import { blurImage } from '../core/image/blur.js';
import type { Image } from '../core/image/image.js';
import { resizeImage } from '../core/image/resize.js';
import { loadPhoto } from './photos.js';
import { IdentityScorer, scoreQuality } from './quality.js';

let portrait: Image;
let other: Image;
let cat: Image;
let identity: IdentityScorer;
beforeAll(async () => {
  const photo = (f: string) => loadPhoto(path.join(FACES_DEV, f));
  portrait = await photo('B001231.jpg');
  other = await photo('B001239.jpg');
  cat = await photo('hard_noface_cat.jpg');
  identity = await IdentityScorer.create();
});
afterAll(() => identity.dispose());

describe('quality against the default output', () => {
  it('is 1 for identical outputs and drops for a changed one', async () => {
    const blurred = blurImage(portrait, 3);
    const q = await scoreQuality([{ name: 'p', image: portrait }], [blurred]);
    expect(q.ssim).toBeLessThan(0.9);
    expect(q.minSsim).toBe(q.ssim);
    expect(q.identity).toBeUndefined();
    expect((await scoreQuality([{ name: 'p', image: portrait }], [portrait])).ssim).toBe(1);
  });

  it('scales a candidate of another size to the reference before comparing', async () => {
    const small = resizeImage(portrait, 112, 137);
    const q = await scoreQuality([{ name: 'p', image: portrait }], [small]);
    expect(q.ssim).toBeGreaterThan(0.7);
    expect(q.ssim).toBeLessThan(1);
  });

  it('measures identity with face embeddings: same person high, another person lower, no face skipped', async () => {
    const refs = [
      { name: 'portrait', image: portrait },
      { name: 'cat', image: cat },
    ];
    const same = await scoreQuality(refs, [blurImage(portrait, 1), cat], identity);
    expect(same.perPhoto[0]!.identity).toBeGreaterThan(0.8);
    expect(same.perPhoto[1]!.identity).toBeUndefined(); // no face in the reference
    expect(same.identity).toBe(same.perPhoto[0]!.identity);
    const swapped = await scoreQuality(
      refs.slice(0, 1),
      [resizeImage(other, portrait.width, portrait.height)],
      identity,
    );
    expect(swapped.identity!).toBeLessThan(same.identity!);
  });
});
