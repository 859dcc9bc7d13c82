import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { FaceModels } from '../faces/face-models.js';
import { readImage } from '../image/decode.js';
import { createImage, type Image } from '../image/image.js';
import { resizeImage } from '../image/resize.js';
import { rankCandidates } from './best-of.js';
import { identityScore } from './identity-score.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

async function portrait(file: string, width: number, height: number): Promise<Image> {
  const { image } = await readImage(path.join(FACES_DEV, file));
  return resizeImage(image, width, height);
}

describe('identityScore (best-of-N ranking by the input face)', () => {
  it('ranks the same person above another person and a faceless image', async () => {
    const input = await portrait('B001231.jpg', 320, 400);
    const score = await identityScore(models, input);
    expect(score).toBeDefined();
    const same = await score!(input, input);
    const other = await score!(await portrait('M001137.jpg', 320, 400), input);
    const blank = await score!(createImage(320, 400), input);
    expect(same).toBeGreaterThan(0.99);
    expect(other).toBeLessThan(same);
    expect(blank).toBe(-1);
    const ranked = await rankCandidates(
      [
        { seed: 1, image: createImage(320, 400) },
        { seed: 2, image: input },
      ],
      input,
      score!,
      2,
    );
    expect(ranked.map((r) => r.seed)).toEqual([2, 1]);
  });

  it('is undefined when the input has no face, so the caller falls back', async () => {
    const grey = createImage(64, 64);
    grey.data.fill(0.5);
    expect(await identityScore(models, grey)).toBeUndefined();
  });
});
