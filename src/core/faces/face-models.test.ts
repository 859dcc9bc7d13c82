import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TfjsRuntime } from '../runtime/tfjs.js';
import { FaceModels, defaultFaceModelsDir } from './face-models.js';

describe('FaceModels', () => {
  it('defaults to the human-models package folder', () => {
    const models = new FaceModels();
    expect(models.modelsDir).toBe(defaultFaceModelsDir());
    expect(models.modelsDir).toMatch(/@vladmandic[\\/]human-models[\\/]models$/);
    expect(models.choice).toEqual({
      detector: 'facemesh-detection-full',
      embedder: 'faceres',
      segmenter: 'selfie',
      attributes: 'faceres',
    });
  });

  it('loads each model once, sharing a given runtime', async () => {
    const runtime = new TfjsRuntime();
    const models = new FaceModels({}, runtime);
    const [a, b] = await Promise.all([models.detector(), models.detector()]);
    expect(a).toBe(b);
    expect(runtime.loadedPaths).toHaveLength(1);
    await models.dispose();
    // A shared runtime belongs to its owner.
    expect(runtime.loadedPaths).toHaveLength(1);
    await runtime.dispose();
  });

  it('names the missing model and the folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'filterlab-faces-'));
    try {
      const models = new FaceModels({ modelsDir: dir });
      await expect(models.detector()).rejects.toMatchObject({
        code: 'FL_ERR_MODEL_NOT_FOUND',
        message: expect.stringContaining(`facemesh-detection-full.json in ${dir}`),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown model choice with the valid names', () => {
    expect(() => new FaceModels({ detector: 'yolo' as never })).toThrow(/detector.*blazeface-back/);
  });
});
