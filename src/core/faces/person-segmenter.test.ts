import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import type { Mask } from '../image/image.js';
import { listFacesDev, loadPhoto } from './__fixtures__/faces-dev.js';
import { detectFaces, segmentPerson } from './face-analysis.js';
import { FaceModels } from './face-models.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

function meanIn(mask: Mask, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(mask.height, y1); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(mask.width, x1); x++) {
      sum += mask.data[y * mask.width + x]!;
      n++;
    }
  }
  return sum / n;
}

describe('segmentPerson', () => {
  it('covers the face and not the top corners, at input resolution', async () => {
    const photos = (await listFacesDev(FACES_DEV)).filter(
      (p) => p.kind === 'portrait' || p.kind === 'hard_portrait_busy_background',
    );
    for (const photo of [...photos.slice(0, 5), photos.at(-1)!]) {
      const image = await loadPhoto(photo);
      const mask = await segmentPerson(models, image);
      expect([mask.width, mask.height]).toEqual([image.width, image.height]);
      expect(mask.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      const [face] = await detectFaces(models, image);
      const [x, y, w, h] = face!.box;
      expect(meanIn(mask, x + 0.2 * w, y + 0.2 * h, x + 0.8 * w, y + 0.8 * h)).toBeGreaterThan(
        0.95,
      );
      const c = Math.round(0.08 * image.width);
      // Portraits are cut at the chest, so only the top corners are background.
      expect(meanIn(mask, 0, 0, c, c)).toBeLessThan(0.05);
      expect(meanIn(mask, image.width - c, 0, image.width, c)).toBeLessThan(0.05);
    }
  });
});
