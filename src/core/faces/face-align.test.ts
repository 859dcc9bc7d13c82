import { describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import type { Image } from '../image/image.js';
import { listFacesDev, loadPhoto } from './__fixtures__/faces-dev.js';
import { alignFace, alignmentMap, fitSimilarity, pasteFace, pasteMask } from './face-align.js';
import type { Point } from './face.js';
import { applyAffine, composeAffine, invertAffine, type Affine } from './warp.js';

/** Keypoints of the first portrait's face, measured once with the detector (right eye, left eye, nose, mouth, ears). */
const KEYPOINTS: Point[] = [
  [93, 107],
  [139, 104],
  [119, 132],
  [119, 152],
  [67, 116],
  [162, 110],
];

async function portrait(): Promise<Image> {
  const photos = await listFacesDev(FACES_DEV);
  return loadPhoto(photos.find((p) => p.kind === 'portrait')!);
}

describe('fitSimilarity', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const angle = 0.3;
    const s = 1.7;
    const m: Affine = [
      s * Math.cos(angle),
      -s * Math.sin(angle),
      12,
      s * Math.sin(angle),
      s * Math.cos(angle),
      -5,
    ];
    const from: Point[] = [
      [0, 0],
      [10, 2],
      [4, 9],
      [7, 13],
    ];
    const fit = fitSimilarity(
      from,
      from.map((p) => applyAffine(m, p)),
    );
    fit.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 9));
    const round = composeAffine(invertAffine(fit), fit);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(round[i]).toBeCloseTo(v, 9));
  });
});

describe('alignFace / pasteFace', () => {
  it('puts the eyes level at the template positions', () => {
    const tilted: Point[] = KEYPOINTS.map(([x, y]) => [x + (y - 100) * 0.2, y - (x - 117) * 0.2]);
    const toSource = alignmentMap({ keypoints: tilted }, 112);
    const fromSource = invertAffine(toSource);
    const rightEye = applyAffine(fromSource, tilted[0]!);
    const leftEye = applyAffine(fromSource, tilted[1]!);
    // Least squares over 4 points: the eyes land within a few pixels of the template.
    expect(Math.abs(rightEye[1] - leftEye[1])).toBeLessThan(3);
    expect(Math.abs(rightEye[0] - 38.3)).toBeLessThan(4);
    expect(Math.abs(leftEye[0] - 73.5)).toBeLessThan(4);
  });

  it('round-trips: align then paste back is the identity inside the mask', async () => {
    const image = await portrait();
    const aligned = alignFace(image, { keypoints: KEYPOINTS }, { size: 256, margin: 0.25 });
    expect(aligned.image.width).toBe(256);
    const pasted = pasteFace(image, aligned.image, aligned.toSource);
    const mask = pasteMask(image, 256, aligned.toSource);
    let inside = 0;
    let err = 0;
    let outsideChanged = 0;
    for (let i = 0; i < mask.data.length; i++) {
      const a = mask.data[i]!;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(pasted.data[i * 3 + c]! - image.data[i * 3 + c]!);
        if (a >= 0.99) {
          err += d;
          inside++;
        } else if (a === 0 && d !== 0) outsideChanged++;
      }
    }
    expect(inside).toBeGreaterThan(3 * 5000);
    // Two bilinear resamplings at ~2x zoom: a small blur, no shift.
    expect(err / inside).toBeLessThan(0.01);
    expect(outsideChanged).toBe(0);
  });

  it('pastes a processed crop only where the mask is, feathered', async () => {
    const image = await portrait();
    const aligned = alignFace(image, { keypoints: KEYPOINTS }, { size: 128 });
    const white = { width: 128, height: 128, data: new Float32Array(128 * 128 * 3).fill(1) };
    const pasted = pasteFace(image, white, aligned.toSource, { feather: 0.1 });
    const mask = pasteMask(image, 128, aligned.toSource, { feather: 0.1 });
    const at = (x: number, y: number) => y * image.width + x;
    // The nose is inside, the image corner outside; some pixels are part-way.
    expect(mask.data[at(119, 132)]).toBe(1);
    expect(pasted.data[at(119, 132) * 3]).toBeCloseTo(1, 6);
    expect(mask.data[at(2, 2)]).toBe(0);
    expect(mask.data.some((v) => v > 0.2 && v < 0.8)).toBe(true);
  });

  it('refuses keypoints that all coincide', () => {
    expect(() =>
      alignmentMap(
        {
          keypoints: [
            [5, 5],
            [5, 5],
            [5, 5],
            [5, 5],
          ],
        },
        112,
      ),
    ).toThrow(/distinct/);
  });
});
