import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import type { Image } from '../image/image.js';
import { listFacesDev, loadPhoto, mildEdits } from './__fixtures__/faces-dev.js';
import { detectFaces, embedFace, faceLandmarks } from './face-analysis.js';
import { compareFaces, l2normalize } from './face-embedder.js';
import { FaceModels } from './face-models.js';
import { separation } from './separation.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

async function embedding(image: Image): Promise<Float32Array> {
  const [face] = await detectFaces(models, image);
  if (!face) throw new Error('no face');
  face.landmarks = (await faceLandmarks(models, image, face)).landmarks;
  return embedFace(models, image, face);
}

describe('embedFace', () => {
  // 15 women and 15 men keep the test near half a minute; scripts/faces-eval.ts runs all 60.
  it('separates same-person edits from different people (overlap <= 5%)', async () => {
    const all = (await listFacesDev(FACES_DEV)).filter((p) => p.kind === 'portrait');
    const portraits = [
      ...all.filter((p) => p.gender === 'F').slice(0, 15),
      ...all.filter((p) => p.gender === 'M').slice(0, 15),
    ];
    const originals: Float32Array[] = [];
    const same: number[] = [];
    for (const photo of portraits) {
      const image = await loadPhoto(photo);
      const base = await embedding(image);
      originals.push(base);
      for (const edit of await mildEdits(image))
        same.push(compareFaces(base, await embedding(edit.image)));
    }
    const different: number[] = [];
    for (let i = 0; i < originals.length; i++) {
      for (let j = i + 1; j < originals.length; j++)
        different.push(compareFaces(originals[i]!, originals[j]!));
    }
    const s = separation(same, different);
    expect(same).toHaveLength(120);
    expect(different).toHaveLength(435);
    expect(s.overlap).toBeLessThanOrEqual(0.05);
    expect(s.same.mean).toBeGreaterThan(s.different.mean + 0.3);
  }, 180_000);
});

describe('compareFaces', () => {
  it('is the cosine of two embeddings', () => {
    const a = l2normalize(Float32Array.from([1, 0, 0]));
    expect(compareFaces(a, a)).toBeCloseTo(1, 6);
    expect(compareFaces(a, Float32Array.from([0, 2, 0]))).toBeCloseTo(0, 6);
    expect(compareFaces(a, Float32Array.from([-3, 0, 0]))).toBeCloseTo(-1, 6);
  });

  it('refuses embeddings of different lengths', () => {
    expect(() => compareFaces(new Float32Array(3), new Float32Array(4))).toThrow(/3 values/);
  });
});
