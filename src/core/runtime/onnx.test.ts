import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { modelHash, readManifest } from '../models/manifest.js';
import { float32 } from '../tensor/tensor.js';
import { OnnxRuntime } from './onnx.js';

const tinyConv = async () => {
  const dir = path.join(FIXTURE_MODELS, 'tiny-conv');
  return { path: path.join(dir, 'model.onnx'), hash: modelHash(await readManifest(dir)) };
};

describe('OnnxRuntime', () => {
  let runtime: OnnxRuntime;
  let scratch: string;
  beforeAll(async () => {
    runtime = new OnnxRuntime();
    scratch = await mkdtemp(path.join(tmpdir(), 'fl-onnx-'));
  });
  afterAll(async () => {
    await runtime.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it('introspects inputs and outputs and runs a model', async () => {
    const session = await runtime.session(await tinyConv());
    expect(session.inputs).toEqual([
      { name: 'image', type: 'float32', shape: [1, 3, 'height', 'width'] },
    ]);
    expect(session.outputs.map((o) => [o.name, o.type])).toEqual([['output', 'float32']]);
    const out = await session.run({
      image: float32(new Float32Array(3 * 5 * 7).fill(0.5), [1, 3, 5, 7]),
    });
    expect(out.output!.dims).toEqual([1, 3, 5, 7]);
    expect(out.output!.type).toBe('float32');
    const values = out.output!.data as Float32Array;
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('caches sessions by model hash and options', async () => {
    const source = await tinyConv();
    const a = await runtime.session(source, { threads: 1 });
    const b = await runtime.session({ ...source }, { threads: 1 });
    const c = await runtime.session(source, { threads: 2, graphOptimization: 'basic' });
    expect(b).toBe(a);
    expect(a.key).toBe(`${source.hash}:1:1:all:cpu:nospin`);
    expect(c).not.toBe(a);
    expect(c.key).toBe(`${source.hash}:2:1:basic:cpu:nospin`);
    expect(runtime.cachedKeys).toEqual(expect.arrayContaining([a.key, c.key]));
    await runtime.release(c.key);
    expect(runtime.cachedKeys).not.toContain(c.key);
    const d = await runtime.session(source, { threads: 2, graphOptimization: 'basic' });
    expect(d).not.toBe(c);
  });

  it('opens one session for concurrent requests', async () => {
    const source = await tinyConv();
    const [a, b] = await Promise.all([
      runtime.session(source, { threads: 3 }),
      runtime.session(source, { threads: 3 }),
    ]);
    expect(a).toBe(b);
  });

  it('reports a file ONNX Runtime cannot load as FL_ERR_MODEL_LOAD, and does not cache it', async () => {
    const file = path.join(scratch, 'junk.onnx');
    await writeFile(file, 'not a protobuf at all');
    await expect(runtime.session({ path: file, hash: 'junk' })).rejects.toMatchObject({
      code: 'FL_ERR_MODEL_LOAD',
      message: expect.stringContaining(file),
    });
    expect(runtime.cachedKeys.some((k) => k.startsWith('junk:'))).toBe(false);
  });

  it('reports a failed run as FL_ERR_INFERENCE with the input shapes', async () => {
    const session = await runtime.session(await tinyConv());
    await expect(
      session.run({ image: float32(new Float32Array(4 * 2 * 2), [1, 4, 2, 2]) }),
    ).rejects.toMatchObject({
      code: 'FL_ERR_INFERENCE',
      message: expect.stringContaining('image: float32[1,4,2,2]'),
    });
  });

  it('honours an aborted signal', async () => {
    const session = await runtime.session(await tinyConv());
    const controller = new AbortController();
    controller.abort();
    await expect(
      session.run(
        { image: float32(new Float32Array(3 * 4), [1, 3, 2, 2]) },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'FL_ERR_ABORTED' });
  });
});
