import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { listFacesDev, loadPhoto } from './__fixtures__/faces-dev.js';
import { detectFaces, faceLandmarks } from './face-analysis.js';
import { FaceModels } from './face-models.js';
import { MESH } from './mesh-indices.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

describe('faceLandmarks', () => {
  it('puts 468 points on the face, in the right places', async () => {
    const photos = (await listFacesDev(FACES_DEV)).filter((p) => p.kind === 'portrait').slice(0, 5);
    for (const photo of photos) {
      const image = await loadPhoto(photo);
      const [face] = await detectFaces(models, image);
      const { landmarks, score } = await faceLandmarks(models, image, face!);
      expect(score).toBeGreaterThan(0.9);
      expect(landmarks).toHaveLength(468);
      const [x, y, w, h] = face!.box;
      const inBox = landmarks.filter(
        ([px, py]) => px > x - 0.3 * w && px < x + 1.3 * w && py > y - 0.3 * h && py < y + 1.3 * h,
      );
      expect(inBox).toHaveLength(468);
      // Subject's right eye and mouth corner are on the image's left; eyes above the nose above the mouth.
      const lm = landmarks;
      expect(lm[MESH.rightEye[0]]![0]).toBeLessThan(lm[MESH.leftEye[0]]![0]);
      expect(lm[MESH.mouthRight]![0]).toBeLessThan(lm[MESH.mouthLeft]![0]);
      expect(lm[MESH.rightEye[0]]![1]).toBeLessThan(lm[MESH.noseTip]![1]);
      expect(lm[MESH.noseTip]![1]).toBeLessThan(lm[MESH.lipsOuter[15]]![1]);
      // The detector's nose keypoint and the mesh nose tip agree within a tenth of the face.
      expect(
        Math.hypot(
          lm[MESH.noseTip]![0] - face!.keypoints[2]![0],
          lm[MESH.noseTip]![1] - face!.keypoints[2]![1],
        ),
      ).toBeLessThan(0.1 * w);
    }
  });

  it('scores a crop without a face near zero', async () => {
    const cat = await loadPhoto(
      (await listFacesDev(FACES_DEV)).find((p) => p.kind === 'hard_no_face_pet')!,
    );
    const box: [number, number, number, number] = [150, 80, 160, 160];
    const { score } = await faceLandmarks(models, cat, {
      box,
      keypoints: [
        [190, 140],
        [270, 140],
      ],
    });
    expect(score).toBeLessThan(0.1);
  });
});
