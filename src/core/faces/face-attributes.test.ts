import { afterAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { listFacesDev, loadPhoto } from './__fixtures__/faces-dev.js';
import { detectFaces, estimateAttributes } from './face-analysis.js';
import { FaceModels } from './face-models.js';

const models = new FaceModels();

afterAll(async () => {
  await models.dispose();
});

describe('estimateAttributes', () => {
  it('gives plausible age and gender estimates on labelled portraits', async () => {
    const all = (await listFacesDev(FACES_DEV)).filter((p) => p.kind === 'portrait');
    const photos = [
      ...all.filter((p) => p.gender === 'F').slice(0, 6),
      ...all.filter((p) => p.gender === 'M').slice(0, 6),
    ];
    let agree = 0;
    for (const photo of photos) {
      const image = await loadPhoto(photo);
      const [face] = await detectFaces(models, image);
      const est = await estimateAttributes(models, image, face!);
      expect(est.ageEstimate).toBeGreaterThan(15);
      expect(est.ageEstimate).toBeLessThan(90);
      expect(est.femaleEstimate).toBeGreaterThanOrEqual(0);
      expect(est.femaleEstimate).toBeLessThanOrEqual(1);
      if (est.genderEstimate === photo.gender) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(10);
  });
});
