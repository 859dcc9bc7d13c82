import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/error-of.js';
import { maxAbsDiff } from '../../../test/support/max-abs-diff.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createImage, type Image } from '../image/image.js';
import { OnnxRuntime } from '../runtime/onnx.js';
import { closenessScore } from './best-of.js';
import { readDiffusersLayout } from './layout.js';
import { StableDiffusionPipeline } from './pipeline.js';

/** TAESD (taesd/ in the folder): scale factor 1, [0, 1] images, chosen per run. */

const TURBO = path.join(FIXTURE_MODELS, 'tiny-sd-turbo');
let onnx: OnnxRuntime;
let sd: StableDiffusionPipeline;
let scratch: string;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fl-taesd-'));
  onnx = new OnnxRuntime();
  sd = await StableDiffusionPipeline.load({ dir: TURBO }, { onnx, logger });
});

afterAll(async () => {
  await sd.dispose();
  await onnx.dispose();
  await rm(scratch, { recursive: true, force: true });
});

function photo(width = 96, height = 128): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = 0.5 + 0.3 * Math.sin(x / 17);
      image.data[o + 1] = 0.4 + 0.3 * Math.cos(y / 23);
      image.data[o + 2] = 0.3 + 0.4 * (x / width);
    }
  return image;
}

describe('TAESD', () => {
  it('is read from taesd/ with scale factor 1 and [0, 1] images', async () => {
    const layout = await readDiffusersLayout(TURBO);
    expect(layout.taesd).toMatchObject({ scalingFactor: 1, shiftFactor: 0, imageRange: 'unit' });
  });

  it('repaints like the full VAE, and is a different decoder', async () => {
    const input = photo();
    const request = { prompt: 'anime', image: input, strength: 0.25, steps: 4, maxSide: 128 };
    const full = (await sd.generate(request)).images[0]!.image;
    const tiny = (await sd.generate({ ...request, vae: 'taesd' })).images[0]!.image;
    expect([tiny.width, tiny.height]).toEqual([96, 128]);
    // The same latents decode to close images, not the same ones.
    // (mean |difference| 0.07 on the fixture, whose TAESD upsamples by nearest, its VAE bilinearly)
    expect(closenessScore(tiny, full)).toBeGreaterThan(0.9);
    expect(maxAbsDiff(tiny, full)).toBeGreaterThan(1e-3);
    expect(Math.abs(closenessScore(tiny, input) - closenessScore(full, input))).toBeLessThan(0.05);
  });

  it('is refused by name where the folder has none, and when half of it is missing', async () => {
    const plain = await StableDiffusionPipeline.load(
      { dir: path.join(FIXTURE_MODELS, 'tiny-sd') },
      { onnx, logger },
    );
    try {
      const e = await errorOf(() => plain.generate({ prompt: 'x', steps: 1, vae: 'taesd' }));
      expect(e.code).toBe('FL_ERR_INVALID_ARGUMENT');
      expect(e.message).toMatch(/Expected the tiny autoencoder .* for vae "taesd" but it has none/);
    } finally {
      await plain.dispose();
    }
    const half = path.join(scratch, 'half');
    await cp(TURBO, half, { recursive: true });
    await rm(path.join(half, 'taesd', 'vae_encoder'), { recursive: true });
    const e = await errorOf(() => readDiffusersLayout(half));
    expect(e.code).toBe('FL_ERR_DIFFUSION_LAYOUT');
    expect(e.message).toMatch(/lacks taesd\/vae_encoder\/model\.onnx/);
  });
});
