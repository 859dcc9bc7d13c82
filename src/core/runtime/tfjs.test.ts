import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFaceModelsDir } from '../faces/face-models.js';
import { TfjsRuntime } from './tfjs.js';

const MODELS = defaultFaceModelsDir();
const runtime = new TfjsRuntime();

afterAll(async () => {
  await runtime.dispose();
});

const zeros = (dims: number[]) => ({
  type: 'float32' as const,
  dims,
  data: new Float32Array(dims.reduce((a, b) => a * b, 1)),
});

describe('TfjsRuntime', () => {
  it('starts the wasm backend with SIMD', async () => {
    const info = await runtime.backendInfo();
    expect(info.backend).toBe('wasm');
    expect(info.simd).toBe(true);
    // tfjs disables wasm threads under Node (tensorflow/tfjs#3830).
    expect(info.threads).toBe(1);
  });

  it('loads a graph model from disk and runs it on plain arrays', async () => {
    const model = await runtime.model(path.join(MODELS, 'blazeface-front.json'));
    expect(model.inputs[0]).toMatchObject({ name: 'input', shape: [1, 128, 128, 3] });
    const out = await model.run(zeros([1, 128, 128, 3]));
    const shapes = Object.values(out)
      .map((t) => t.dims.join('x'))
      .sort();
    expect(shapes).toEqual(['1x384x1', '1x384x16', '1x512x1', '1x512x16']);
    expect(Object.values(out).every((t) => t.data instanceof Float32Array)).toBe(true);
  });

  it('caches a model by path', async () => {
    const file = path.join(MODELS, 'blazeface-front.json');
    expect(await runtime.model(file)).toBe(await runtime.model(file));
  });

  it('leaves no tensor behind after many calls (sync graph)', async () => {
    const model = await runtime.model(path.join(MODELS, 'facemesh-detection-short.json'));
    const input = zeros([1, 128, 128, 3]);
    await model.run(input);
    const before = runtime.memory();
    for (let i = 0; i < 200; i++) await model.run(input);
    const after = runtime.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('leaves no tensor behind after many calls (control-flow graph, executeAsync)', async () => {
    const model = await runtime.model(path.join(MODELS, 'faceboxes.json'), {
      warmupShape: [1, 64, 64, 3],
    });
    const input = {
      type: 'int32' as const,
      dims: [1, 64, 64, 3],
      data: new Int32Array(64 * 64 * 3),
    };
    await model.run(input);
    const before = runtime.memory().numTensors;
    for (let i = 0; i < 20; i++) await model.run(input);
    expect(runtime.memory().numTensors).toBe(before);
  });

  it('frees the weights of its models on dispose', async () => {
    const own = new TfjsRuntime();
    const before = own.memory().numTensors;
    await own.model(path.join(MODELS, 'selfie.json'));
    expect(own.memory().numTensors).toBeGreaterThan(before);
    await own.dispose();
    expect(own.memory().numTensors).toBe(before);
    await expect(own.model(path.join(MODELS, 'selfie.json'))).rejects.toThrow(/after dispose/);
  });

  it('fails with clear errors for a missing model, a bad model.json and a wrong input', async () => {
    await expect(runtime.model('/nonexistent/model.json')).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_NOT_FOUND',
    });

    const dir = await mkdtemp(path.join(tmpdir(), 'filterlab-tfjs-'));
    try {
      await writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {} }));
      await expect(runtime.model(path.join(dir, 'model.json'))).rejects.toMatchObject({
        code: 'FL_ERR_MODEL_LOAD',
        message: expect.stringMatching(/weightsManifest/),
      });
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['x.bin'], weights: [] }] }),
      );
      await expect(runtime.model(path.join(dir, 'model.json'))).rejects.toMatchObject({
        code: 'FL_ERR_MODEL_LOAD',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const model = await runtime.model(path.join(MODELS, 'blazeface-front.json'));
    const before = runtime.memory().numTensors;
    await expect(model.run(zeros([1, 64, 64, 3]))).rejects.toMatchObject({
      code: 'FL_ERR_INFERENCE',
      message: expect.stringMatching(/input: float32\[1,64,64,3\]/),
    });
    expect(runtime.memory().numTensors).toBe(before);
  });
});
