import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createImage, createMask, type Image } from '../image/image.js';
import { createRng } from '../rng.js';
import { OnnxRuntime } from '../runtime/onnx.js';
import { float32 } from '../tensor/tensor.js';
import { ClipTokenizer } from './clip-tokenizer.js';
import { closenessScore, rankCandidates } from './best-of.js';
import { StableDiffusionPipeline, type DiffusionRequest } from './pipeline.js';
import { describeSchedule } from './schedule-command.js';
import { errorOf } from '../../../test/support/error-of.js';

/**
 * End-to-end runs of the real pipeline on the tiny diffusers-layout fixtures
 * (scripts/fixtures/tiny-diffusion.ts), diffusers-test style: 3 steps, a seeded RNG, a 3x3 slice
 * compared with a tolerance. The expected slices were recorded from this implementation once its
 * parts had been checked one by one (schedulers against diffusers, tokenizer against CLIP,
 * float16 against numpy); they pin the whole chain so that a change anywhere shows up here.
 */

const TINY = path.join(FIXTURE_MODELS, 'tiny-sd');
const TINY_FP16 = path.join(FIXTURE_MODELS, 'tiny-sd-fp16');

let onnx: OnnxRuntime;
let sd: StableDiffusionPipeline;
let sd16: StableDiffusionPipeline;

beforeAll(async () => {
  onnx = new OnnxRuntime();
  const logger = pino({ level: 'silent' });
  sd = await StableDiffusionPipeline.load({ dir: TINY }, { onnx, logger });
  sd16 = await StableDiffusionPipeline.load({ dir: TINY_FP16 }, { onnx, logger });
});

afterAll(async () => {
  await sd.dispose();
  await sd16.dispose();
  await onnx.dispose();
});

/** A smooth 80x60 test photo (not a multiple of 8: the pipeline rounds and restores). */
function photo(width = 80, height = 60): Image {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      image.data[o] = 0.5 + 0.4 * Math.sin(x / 9);
      image.data[o + 1] = 0.5 + 0.4 * Math.cos(y / 7);
      image.data[o + 2] = (x + y) / (width + height);
    }
  return image;
}

/** image[row, cols..] for a 3x3 block at (x, y), channel-interleaved: 27 values. */
function slice3x3(image: Image, x: number, y: number): number[] {
  const out: number[] = [];
  for (let dy = 0; dy < 3; dy++)
    for (let dx = 0; dx < 3; dx++)
      for (let c = 0; c < 3; c++) out.push(image.data[((y + dy) * image.width + x + dx) * 3 + c]!);
  return out;
}

function maxAbsDiff(
  a: readonly number[] | Float32Array,
  b: readonly number[] | Float32Array,
): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const TXT2IMG: DiffusionRequest = {
  prompt: 'a watercolor portrait of a woman',
  steps: 3,
  seeds: [0],
};

describe('StableDiffusionPipeline: txt2img', () => {
  it('matches the recorded 3x3 slice (3 steps, seed 0, SD-Turbo scheduler)', async () => {
    const result = await sd.generate(TXT2IMG);
    const image = result.images[0]!.image;
    expect([image.width, image.height]).toEqual([64, 64]); // unet sample_size 8 x VAE factor 8
    expect(result.timesteps).toEqual([999, 666, 332]); // trailing spacing, steps_offset ignored
    expect(maxAbsDiff(slice3x3(image, 30, 30), EXPECTED_TXT2IMG_SLICE)).toBeLessThan(1e-3);
  });

  it('takes one Euler step as x - sigma * unet(x / sqrt(sigma^2 + 1), t), written out by hand', async () => {
    const result = await sd.generate({
      prompt: 'a cat',
      steps: 1,
      seeds: [5],
      width: 64,
      height: 64,
    });
    const config = { ...sd.layout.schedulerConfig };
    const sigma = describeSchedule({ scheduler: 'euler', steps: 1, config }).sigmas![0]!;
    expect(sigma).toBeCloseTo(14.6146, 3); // SD-Turbo's largest sigma
    const x = createRng(5)
      .fillNormal(new Float32Array(4 * 8 * 8))
      .map((v) => v * sigma);
    const session = (part: string) =>
      onnx.session({ path: path.join(TINY, part, 'model.onnx'), hash: `by-hand:${part}` });
    const [textEncoder, unet, decoder] = await Promise.all(
      ['text_encoder', 'unet', 'vae_decoder'].map(session),
    );
    const ids = (await ClipTokenizer.fromFolder(path.join(TINY, 'tokenizer'))).encode('a cat').ids;
    const text = (
      await textEncoder!.run({ input_ids: { type: 'int32', dims: [1, 77], data: ids } })
    ).last_hidden_state!;
    const eps = (
      await unet!.run({
        sample: float32(
          x.map((v) => v / Math.sqrt(sigma * sigma + 1)),
          [1, 4, 8, 8],
        ),
        timestep: { type: 'int64', dims: [1], data: new BigInt64Array([999n]) },
        encoder_hidden_states: text,
      })
    ).out_sample!.data as Float32Array;
    const latents = x.map((v, i) => v - sigma * eps[i]!);
    const decoded = (
      await decoder!.run({
        latent_sample: float32(
          latents.map((v) => v / 0.18215),
          [1, 4, 8, 8],
        ),
      })
    ).sample!.data as Float32Array;
    const image = result.images[0]!.image;
    for (let p = 0; p < 64 * 64; p++)
      for (let c = 0; c < 3; c++) {
        const expected = Math.min(1, Math.max(0, decoded[c * 4096 + p]! / 2 + 0.5));
        expect(Math.abs(image.data[p * 3 + c]! - expected)).toBeLessThan(1e-4);
      }
    for (const key of onnx.cachedKeys.filter((k) => k.startsWith('by-hand')))
      await onnx.release(key);
  });

  it('gives float16 models the same image within float16 precision', async () => {
    const [a, b] = await Promise.all([sd.generate(TXT2IMG), sd16.generate(TXT2IMG)]);
    expect(sd16.contract.unet.floatType).toBe('float16');
    expect(sd16.contract.unet.timestepType).toBe('float16');
    expect(sd.contract.unet.timestepType).toBe('int64');
    expect(maxAbsDiff(a.images[0]!.image.data, b.images[0]!.image.data)).toBeLessThan(0.01);
  });

  it('is identical run to run for a seed, and differs between seeds', async () => {
    const first = await sd.generate({ ...TXT2IMG, seeds: [7, 8] });
    const again = await sd.generate({ ...TXT2IMG, seeds: [7] });
    expect(again.images[0]!.image.data).toEqual(first.images[0]!.image.data);
    expect(first.images.map((i) => i.seed)).toEqual([7, 8]);
    expect(maxAbsDiff(first.images[0]!.image.data, first.images[1]!.image.data)).toBeGreaterThan(
      0.05,
    );
  });

  it('follows the prompt, and the negative prompt only with guidance > 1', async () => {
    const base = (await sd.generate(TXT2IMG)).images[0]!.image.data;
    const other = (await sd.generate({ ...TXT2IMG, prompt: 'a dog in the snow' })).images[0]!.image
      .data;
    expect(maxAbsDiff(base, other)).toBeGreaterThan(2e-3);
    const negated = await sd.generate({ ...TXT2IMG, negativePrompt: 'blurry' });
    expect(negated.images[0]!.image.data).toEqual(base); // guidance 0: no unconditional pass
    const guided = (await sd.generate({ ...TXT2IMG, guidance: 7.5 })).images[0]!.image.data;
    const guidedNegated = (
      await sd.generate({ ...TXT2IMG, guidance: 7.5, negativePrompt: 'blurry' })
    ).images[0]!.image.data;
    expect(maxAbsDiff(guided, base)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(guidedNegated, guided)).toBeGreaterThan(1e-4);
  });

  it('treats guidance 1 as no guidance (batch 1), as diffusers does', async () => {
    const one = await sd.generate({ ...TXT2IMG, guidance: 1, negativePrompt: 'ignored' });
    const zero = await sd.generate(TXT2IMG);
    expect(one.images[0]!.image.data).toEqual(zero.images[0]!.image.data);
  });

  it('takes an explicit size in multiples of 64, and another scheduler by name', async () => {
    const euler = await sd.generate({ ...TXT2IMG, width: 128, height: 64 });
    const lcm = await sd.generate({ ...TXT2IMG, width: 128, height: 64, scheduler: 'lcm' });
    expect([lcm.images[0]!.image.width, lcm.images[0]!.image.height]).toEqual([128, 64]);
    const config = { ...sd.layout.schedulerConfig };
    expect(lcm.timesteps).toEqual(
      describeSchedule({ scheduler: 'lcm', steps: 3, config }).timesteps,
    );
    expect(lcm.timesteps).not.toEqual(euler.timesteps);
    expect(maxAbsDiff(lcm.images[0]!.image.data, euler.images[0]!.image.data)).toBeGreaterThan(
      1e-3,
    );
  });

  it('reports progress per step and the time of every component', async () => {
    const fractions: number[] = [];
    const result = await sd.generate({
      ...TXT2IMG,
      seeds: [1, 2],
      onProgress: (p) => fractions.push(p.fraction),
    });
    expect(fractions).toEqual([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
    const t = result.timings;
    expect(t.steps).toBe(6);
    expect(t.unetStepMs).toHaveLength(6);
    for (const key of [
      'textEncoderMs',
      'unetMs',
      'schedulerMs',
      'tensorMs',
      'vaeDecodeMs',
      'totalMs',
    ] as const) {
      expect(t[key], key).toBeGreaterThan(0);
    }
    expect(t.vaeEncodeMs).toBe(0); // txt2img
    expect(t.unetMs).toBeCloseTo(
      t.unetStepMs.reduce((a, b) => a + b, 0),
      6,
    );
    expect(t.totalMs).toBeGreaterThanOrEqual(t.textEncoderMs + t.unetMs + t.vaeDecodeMs);
  });
});

describe('StableDiffusionPipeline: img2img', () => {
  const input = photo();

  it('runs floor(steps x strength) steps and returns the photo size', async () => {
    const result = await sd.generate({
      prompt: 'anime',
      image: input,
      strength: 0.5,
      steps: 4,
      maxSide: 256,
    });
    expect(result.timesteps).toEqual([499, 249]); // SD-Turbo img2img: the last 2 of [999, 749, 499, 249]
    expect(result.size).toEqual({ width: 256, height: 192 }); // long side 256, 60/80 kept
    const image = result.images[0]!.image;
    expect([image.width, image.height]).toEqual([80, 60]);
    expect(maxAbsDiff(slice3x3(image, 40, 30), EXPECTED_IMG2IMG_SLICE)).toBeLessThan(1e-3);
  });

  it('keeps more of the photo at lower strength', async () => {
    const close = (await sd.generate({ prompt: 'anime', image: input, strength: 0.25, steps: 4 }))
      .images[0]!;
    const far = (await sd.generate({ prompt: 'anime', image: input, strength: 1, steps: 4 }))
      .images[0]!;
    expect(closenessScore(close.image, input)).toBeGreaterThan(closenessScore(far.image, input));
  });

  it('leaves every unmasked pixel exactly as it was (masked img2img)', async () => {
    const mask = createMask(input.width, input.height);
    for (let y = 10; y < 40; y++) for (let x = 20; x < 60; x++) mask.data[y * input.width + x] = 1;
    const result = await sd.generate({
      prompt: 'anime',
      image: input,
      mask,
      strength: 0.75,
      steps: 4,
      feather: 8,
    });
    const out = result.images[0]!.image;
    let changedInside = 0;
    for (let p = 0; p < mask.data.length; p++) {
      const same = [0, 1, 2].every((c) => out.data[p * 3 + c] === input.data[p * 3 + c]);
      if (mask.data[p] === 0) expect(same, `pixel ${p}`).toBe(true);
      else if (!same) changedInside++;
    }
    expect(changedInside).toBeGreaterThan(0.9 * 30 * 40);
  });

  it("explains SD-Turbo's steps x strength >= 1 rule", async () => {
    const e = await errorOf(() =>
      sd.generate({ prompt: 'x', image: input, strength: 0.5, steps: 1 }),
    );
    expect(e.code).toBe('FL_ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(
      /steps \* strength >= 1 .* 1 \* 0\.5 = 0\.5.*floor\(steps \* strength\).*strength >= 1/,
    );
  });

  it.each([0, 1.5, -0.2, Number.NaN])('refuses strength %s', async (strength) => {
    const e = await errorOf(() => sd.generate({ prompt: 'x', image: input, strength, steps: 4 }));
    expect(e.code).toBe('FL_ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(/Expected a strength in \(0, 1\]/);
  });

  it('refuses an explicit size that is not a multiple of 64, naming the nearest ones', async () => {
    const e = await errorOf(() =>
      sd.generate({ prompt: 'x', image: input, width: 100, height: 64 }),
    );
    expect(e.code).toBe('FL_ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(
      /Expected width to be a positive multiple of 64 .* received 100; use 64 or 128/,
    );
  });

  it('refuses a mask or a strength without an image, and bad seeds', async () => {
    const mask = createMask(8, 8);
    expect((await errorOf(() => sd.generate({ prompt: 'x', mask }))).message).toMatch(/for mask/);
    expect((await errorOf(() => sd.generate({ prompt: 'x', strength: 0.5 }))).message).toMatch(
      /for strength/,
    );
    expect((await errorOf(() => sd.generate({ prompt: 'x', seeds: [-1] }))).message).toMatch(
      /seeds/,
    );
    expect((await errorOf(() => sd.generate({ prompt: 'x', steps: 0 }))).message).toMatch(/steps/);
    expect((await errorOf(() => sd.generate({ prompt: 'x', scheduler: 'nope' }))).message).toMatch(
      /Expected a scheduler name \(one of euler/,
    );
  });

  it('truncates a prompt over 77 tokens with a warning in the result', async () => {
    const long = Array.from({ length: 90 }, (_, i) => `word${i}`).join(' ');
    const result = await sd.generate({ prompt: long, steps: 1 });
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^prompt: The prompt is \d+ tokens but the text encoder reads 75; the last \d+ were dropped$/,
      ),
    ]);
    expect(result.images).toHaveLength(1);
  });

  it('warns when the VAE config is absent and 0.18215 is assumed', async () => {
    const result = await sd16.generate({ prompt: 'x', steps: 1 });
    expect(result.warnings).toEqual([
      expect.stringMatching(/No VAE scaling_factor .* assuming 0\.18215/),
    ]);
    expect((await sd.generate({ prompt: 'x', steps: 1 })).warnings).toEqual([]);
  });
});

describe('StableDiffusionPipeline: LCM', () => {
  it('feeds the guidance scale as timestep_cond, in one batch, on LCM timesteps', async () => {
    const lcm = await StableDiffusionPipeline.load(
      { dir: path.join(FIXTURE_MODELS, 'tiny-lcm') },
      { onnx },
    );
    try {
      expect(lcm.contract.unet.guidanceEmbeddingSize).toBe(16);
      const run = (guidance: number, negativePrompt = '') =>
        lcm.generate({ prompt: 'a cat', steps: 4, guidance, negativePrompt, seeds: [1] });
      const [a, b, c] = await Promise.all([run(8.5), run(4), run(8.5, 'ugly')]);
      // LCMScheduler, original_inference_steps 50: every 20th step, 4 of them
      expect(a.timesteps).toEqual([999, 759, 499, 259]);
      const [da, db, dc] = [a, b, c].map((r) => r.images[0]!.image.data);
      expect(maxAbsDiff(da!, db!)).toBeGreaterThan(1e-3); // the scale reaches the UNet
      expect(dc).toEqual(da); // no unconditional batch, so no negative prompt
    } finally {
      await lcm.dispose();
    }
  });
});

describe('StableDiffusionPipeline: cancellation', () => {
  it('stops between steps with FL_ERR_ABORTED', async () => {
    const controller = new AbortController();
    let steps = 0;
    const e = await errorOf(() =>
      sd.generate({
        ...TXT2IMG,
        steps: 10,
        signal: controller.signal,
        onProgress: () => {
          steps++;
          if (steps === 2) controller.abort();
        },
      }),
    );
    expect(e.code).toBe('FL_ERR_ABORTED');
    expect(steps).toBe(2);
  });

  it('does nothing for a signal aborted before the start', async () => {
    const controller = new AbortController();
    controller.abort();
    let progressed = false;
    const e = await errorOf(() =>
      sd.generate({ ...TXT2IMG, signal: controller.signal, onProgress: () => (progressed = true) }),
    );
    expect(e.code).toBe('FL_ERR_ABORTED');
    expect(progressed).toBe(false);
  });
});

describe('best-of-N', () => {
  it('ranks candidates by the score passed in and keeps the top k', async () => {
    const input = photo();
    const result = await sd.generate({
      prompt: 'anime',
      image: input,
      strength: 0.75,
      steps: 4,
      seeds: [1, 2, 3, 4],
    });
    const scores = result.images.map((c) => closenessScore(c.image, input));
    const ranked = await rankCandidates(result.images, input, closenessScore, 2);
    const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
    expect(ranked.map((r) => r.seed)).toEqual(order.slice(0, 2).map((i) => i + 1));
    expect(ranked[0]!.score).toBeGreaterThanOrEqual(ranked[1]!.score);
    // a pluggable score: prefer the darkest candidate instead
    const darkest = await rankCandidates(
      result.images,
      input,
      (c) => -c.data.reduce((a, b) => a + b, 0),
    );
    const sums = result.images.map((c) => c.image.data.reduce((a, b) => a + b, 0));
    expect(darkest[0]!.seed).toBe(result.images[sums.indexOf(Math.min(...sums))]!.seed);
  });
});

// Recorded from this implementation (see the file comment), re-recorded when the fixture UNet got
// SD's topology (tiny-unet.ts); 3x3 pixels x RGB at (30, 30) / (40, 30).
const EXPECTED_TXT2IMG_SLICE = [
  0.6659, 0.4195, 0.4075, 0.6163, 0.4397, 0.4953, 0.5666, 0.4599, 0.583, 0.6474, 0.4327, 0.41,
  0.598, 0.446, 0.485, 0.5487, 0.4594, 0.56, 0.6288, 0.4458, 0.4125, 0.5798, 0.4524, 0.4747, 0.5307,
  0.459, 0.537,
];
const EXPECTED_IMG2IMG_SLICE = [
  0.3045, 0.4954, 0.5933, 0.3425, 0.4575, 0.5459, 0.4498, 0.4614, 0.4497, 0.2315, 0.5033, 0.6839,
  0.2747, 0.4728, 0.6471, 0.4172, 0.4757, 0.5103, 0.3661, 0.5346, 0.5891, 0.3931, 0.5202, 0.574,
  0.4075, 0.4542, 0.4922,
];
