import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { float32, type Tensor } from '../tensor/tensor.js';
import { OnnxRuntime, ORT_VERSION } from './onnx.js';
import { cacheKeyName } from './optimized-model-cache.js';

/** The optimised-graph cache, on the fixture UNet (down/upsampling, attention, ~50 initializers). */

const UNET = { path: path.join(FIXTURE_MODELS, 'tiny-sd-turbo', 'unet', 'model.onnx'), hash: 'h1' };
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-ort-cache-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function runOnce(options: { optimizedCacheDir?: string }): Promise<Float32Array> {
  const onnx = new OnnxRuntime();
  try {
    const session = await onnx.session(UNET, options);
    const feeds: Record<string, Tensor> = {
      sample: float32(
        new Float32Array(4 * 16 * 8).map((_, i) => Math.sin(i)),
        [1, 4, 16, 8],
      ),
      timestep: float32(new Float32Array([321]), []),
      encoder_hidden_states: float32(
        new Float32Array(77 * 32).map((_, i) => Math.cos(i / 7)),
        [1, 77, 32],
      ),
    };
    return (await session.run(feeds)).out_sample!.data as Float32Array;
  } finally {
    await onnx.dispose();
  }
}

describe('optimizedCacheDir', () => {
  it('saves the optimised graph once, then loads it, with the same outputs', async () => {
    const cacheDir = path.join(scratch, 'cache');
    const reference = await runOnce({});
    const first = await runOnce({ optimizedCacheDir: cacheDir });
    const entry = path.join(
      cacheDir,
      cacheKeyName({ hash: 'h1', ortVersion: ORT_VERSION, level: 'all', providers: ['cpu'] }),
    );
    expect((await readdir(entry)).sort()).toEqual(['model.onnx', 'model.onnx.data']);
    expect(await readdir(cacheDir)).toHaveLength(1); // no temporary folder left
    const saved = (await stat(path.join(entry, 'model.onnx'))).mtimeMs;
    const second = await runOnce({ optimizedCacheDir: cacheDir });
    expect((await stat(path.join(entry, 'model.onnx'))).mtimeMs).toBe(saved); // read, not rewritten
    for (const out of [first, second]) {
      let max = 0;
      for (let i = 0; i < out.length; i++) max = Math.max(max, Math.abs(out[i]! - reference[i]!));
      expect(max).toBeLessThan(1e-5);
    }
  });

  it('drops an entry ORT cannot read and loads the model itself', async () => {
    const cacheDir = path.join(scratch, 'broken');
    await runOnce({ optimizedCacheDir: cacheDir });
    const [entry] = await readdir(cacheDir);
    await writeFile(path.join(cacheDir, entry!, 'model.onnx'), 'not a model');
    const out = await runOnce({ optimizedCacheDir: cacheDir });
    expect(out.every(Number.isFinite)).toBe(true);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('loads the model without the cache when the cache folder cannot be written', async () => {
    const notAFolder = path.join(scratch, 'a-file');
    await writeFile(notAFolder, 'in the way');
    const out = await runOnce({ optimizedCacheDir: notAFolder });
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
