import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { listFacesDev, loadPhoto, type FacesDevPhoto } from './__fixtures__/faces-dev.js';
import { detectFaces } from './face-analysis.js';
import { FaceModels } from './face-models.js';
import { KEYPOINT } from './face.js';
import { DEFAULT_MIN_SCORE } from './face-detector.js';
import { createImage, type Image } from '../image/image.js';

const models = new FaceModels();
let photos: FacesDevPhoto[] = [];

beforeAll(async () => {
  photos = await listFacesDev(FACES_DEV);
});

afterAll(async () => {
  await models.dispose();
});

/** The image turned a quarter (clockwise) or half turn. */
function turn(image: Image, quarters: 1 | 2): Image {
  const { width: w, height: h, data } = image;
  const out = createImage(quarters === 1 ? h : w, quarters === 1 ? w : h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [nx, ny] = quarters === 1 ? [h - 1 - y, x] : [w - 1 - x, h - 1 - y];
      out.data.set(data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (ny * out.width + nx) * 3);
    }
  }
  return out;
}

describe('the default minScore', () => {
  it('finds no face on the landscape with its printed digits, whichever way up it is read', async () => {
    const landscape = await loadPhoto(
      photos.find((p) => p.file === 'hard_noface_landscape_exif6.jpg')!,
    );
    expect(DEFAULT_MIN_SCORE).toBe(0.7);
    // Upright, upside down (where a "6" scored 0.47), and as stored (EXIF ignored: 0.40).
    for (const image of [landscape, turn(landscape, 2), turn(turn(landscape, 2), 1)])
      expect(await detectFaces(models, image)).toEqual([]);
    // Below the threshold the detector does fire on it: the threshold is what keeps it out.
    expect(
      (await detectFaces(models, turn(landscape, 2), { minScore: 0.3 })).length,
    ).toBeGreaterThan(0);
  });
});

describe('detectFaces on faces-dev', () => {
  it('finds exactly one face in at least 97% of the 60 portraits', async () => {
    const portraits = photos.filter((p) => p.kind === 'portrait');
    expect(portraits).toHaveLength(60);
    let found = 0;
    for (const photo of portraits) {
      const image = await loadPhoto(photo);
      const faces = await detectFaces(models, image);
      if (faces.length === 1) found++;
    }
    expect(found / portraits.length).toBeGreaterThanOrEqual(0.97);
  });

  it('counts the faces of every hard case as labelled', async () => {
    const results: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const photo of photos.filter((p) => p.kind !== 'portrait')) {
      results[photo.file] = (await detectFaces(models, await loadPhoto(photo))).length;
      expected[photo.file] = photo.expectedFaces;
    }
    expect(results).toEqual(expected);
  });

  it('returns boxes and keypoints in input pixels, eyes above the mouth', async () => {
    const photo = photos.find((p) => p.kind === 'hard_exif_orientation_6')!;
    const image = await loadPhoto(photo);
    // decodeImage applied the EXIF rotation: the portrait is upright.
    expect(image.height).toBeGreaterThan(image.width);
    const [face] = await detectFaces(models, image);
    const [x, y, w, h] = face!.box;
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(image.width);
    expect(w).toBeGreaterThan(image.width * 0.25);
    expect(face!.keypoints).toHaveLength(6);
    const kp = face!.keypoints;
    for (const [px, py] of kp.slice(0, 4)) {
      expect(px).toBeGreaterThan(x);
      expect(px).toBeLessThan(x + w);
      expect(py).toBeGreaterThan(y);
      expect(py).toBeLessThan(y + h);
    }
    expect(kp[KEYPOINT.rightEye]![0]).toBeLessThan(kp[KEYPOINT.leftEye]![0]);
    expect(kp[KEYPOINT.rightEye]![1]).toBeLessThan(kp[KEYPOINT.mouth]![1]);
  });

  it('drops faces below minSize and minScore', async () => {
    const image = await loadPhoto(photos.find((p) => p.kind === 'hard_multi_face_composite')!);
    const all = await detectFaces(models, image);
    const widths = all.map((f) => f.box[2]).sort((a, b) => a - b);
    const big = await detectFaces(models, image, { minSize: (widths[0]! + widths[1]!) / 2 });
    expect(big).toHaveLength(all.length - 1);
    expect(await detectFaces(models, image, { minScore: 0.999 })).toHaveLength(0);
  });

  it('rejects bad options with the field named', async () => {
    const image = { width: 8, height: 8, data: new Float32Array(8 * 8 * 3) };
    await expect(detectFaces(models, image, { minScore: 2 })).rejects.toMatchObject({
      code: 'FL_ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/minScore/),
    });
  });
});
