import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/error-of.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createImage } from '../image/image.js';
import { OnnxRuntime } from '../runtime/onnx.js';
import { float32 } from '../tensor/tensor.js';
import { StableDiffusionPipeline } from './pipeline.js';

/**
 * The fixture UNets have SD's topology in miniature (scripts/fixtures/tiny-unet.ts), so a working
 * size a real export cannot take fails on them too. A 225 x 275 portrait at 512 px: rounded to
 * multiples of 8 (what the pipeline once did) it is 416 x 512, latents 52 x 64, and the first up
 * block upsamples 7 to 14 against a skip of 13; rounded to multiples of 64 it runs.
 */

const TURBO = path.join(FIXTURE_MODELS, 'tiny-sd-turbo');
let onnx: OnnxRuntime;
let sd: StableDiffusionPipeline;

beforeAll(async () => {
  onnx = new OnnxRuntime();
  sd = await StableDiffusionPipeline.load(
    { dir: TURBO },
    { onnx, logger: pino({ level: 'silent' }) },
  );
});

afterAll(async () => {
  await sd.dispose();
  await onnx.dispose();
});

describe('a UNet with down- and up-sampling', () => {
  it('fails in Concat for latents that are not multiples of 8, as real exports do', async () => {
    const unet = await onnx.session({
      path: path.join(TURBO, 'unet', 'model.onnx'),
      hash: 'topology:unet',
    });
    try {
      const feeds = (h: number, w: number) => ({
        sample: float32(new Float32Array(4 * h * w).fill(0.1), [1, 4, h, w]),
        timestep: float32(new Float32Array([499]), []),
        encoder_hidden_states: float32(new Float32Array(77 * 32).fill(0.1), [1, 77, 32]),
      });
      const e = await errorOf(() => unet.run(feeds(52, 64)));
      expect(e.code).toBe('FL_ERR_INFERENCE');
      expect(e.message).toMatch(/Concat.*mismatched dimensions of 13 and 14/);
      const ok = await unet.run(feeds(56, 64));
      expect(ok.out_sample!.dims).toEqual([1, 4, 56, 64]);
    } finally {
      await onnx.release(unet.key);
    }
  });

  it('runs img2img on a 225 x 275 portrait at 512 px and gives the photo its size back', async () => {
    expect(sd.contract.unet).toMatchObject({ timestepType: 'float32', timestepDims: 'scalar' });
    expect(sd.contract.textEncoder.idsType).toBe('int64');
    expect(sd.contract.vaeEncoder.outputKind).toBe('parameters');
    const photo = createImage(225, 275);
    photo.data.forEach((_, i) => (photo.data[i] = 0.5 + 0.3 * Math.sin(i / 97)));
    const result = await sd.generate({
      prompt: 'anime portrait',
      image: photo,
      strength: 0.5,
      steps: 2,
      maxSide: 512,
    });
    expect(result.size).toEqual({ width: 448, height: 512 });
    const out = result.images[0]!.image;
    expect([out.width, out.height]).toEqual([225, 275]);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});
