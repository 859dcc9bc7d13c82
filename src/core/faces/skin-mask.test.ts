import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { listFacesDev, loadPhoto } from './__fixtures__/faces-dev.js';
import { detectFaces, faceLandmarks } from './face-analysis.js';
import { FaceModels } from './face-models.js';
import type { Point3 } from './face.js';
import { MESH } from './mesh-indices.js';
import { rasterizeSoftPolygon, signedDistance } from './polygon-mask.js';
import { skinMask } from './skin-mask.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

const centre = (lm: Point3[], ids: readonly number[]): [number, number] => [
  ids.reduce((a, i) => a + lm[i]![0], 0) / ids.length,
  ids.reduce((a, i) => a + lm[i]![1], 0) / ids.length,
];

describe('skinMask', () => {
  it('covers cheeks and forehead and excludes eyes, brows and mouth', async () => {
    const photos = (await listFacesDev(FACES_DEV)).filter((p) => p.kind === 'portrait').slice(0, 4);
    for (const photo of photos) {
      const image = await loadPhoto(photo);
      const [face] = await detectFaces(models, image);
      face!.landmarks = (await faceLandmarks(models, image, face!)).landmarks;
      const lm = face!.landmarks;
      const mask = skinMask(image, [face!]);
      const at = ([x, y]: [number, number]) =>
        mask.data[Math.floor(y) * mask.width + Math.floor(x)]!;
      for (const region of [
        MESH.rightEye,
        MESH.leftEye,
        MESH.lipsOuter,
        MESH.rightEyebrow,
        MESH.leftEyebrow,
      ]) {
        expect(at(centre(lm, region))).toBeLessThan(0.05);
      }
      // Cheeks (mesh 50, 280) and mid-forehead (mesh 151) are skin.
      for (const i of [50, 280, 151]) expect(at([lm[i]![0], lm[i]![1]])).toBeGreaterThan(0.95);
      expect(at([1, 1])).toBe(0);
      expect(at([image.width - 2, 1])).toBe(0);
    }
  });

  it('needs landmarks', () => {
    expect(() => skinMask({ width: 4, height: 4 }, [{}])).toThrow(/468 mesh landmarks/);
  });
});

describe('rasterizeSoftPolygon', () => {
  it('ramps across the edge of a square and is 1 inside, 0 outside', () => {
    const square: [number, number][] = [
      [10, 10],
      [30, 10],
      [30, 30],
      [10, 30],
    ];
    expect(signedDistance(square, 20, 20)).toBeCloseTo(10);
    expect(signedDistance(square, 35, 20)).toBeCloseTo(-5);
    const out = new Float32Array(40 * 40);
    rasterizeSoftPolygon(40, 40, { points: square, grow: 0, feather: 4 }, (i, v) => {
      out[i] = v;
    });
    expect(out[20 * 40 + 20]).toBe(1);
    expect(out[20 * 40 + 36]).toBe(0);
    // On the edge (x = 30 falls between pixels 29 and 30) the value is about one half.
    expect(out[20 * 40 + 29]! + out[20 * 40 + 30]!).toBeCloseTo(1, 1);
  });
});
