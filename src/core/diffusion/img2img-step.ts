import { z } from 'zod';
import { defineStep, type PrepareEnv, type RunState } from '../steps/step.js';
import { RANKINGS } from './choose-score.js';
import { VAE_CHOICES } from './vae-codec.js';
import { baseSeed, candidateSeeds, generateBestOf, sharedPipeline } from './generate-best-of.js';
import { checkDiffusersFormat } from './model-source.js';
import { DIFFUSION_DEFAULTS, StableDiffusionPipeline, type DiffusionRequest } from './pipeline.js';

/**
 * The diffusion steps of filter specs: `diffusion.img2img` repaints the photo (optionally only
 * inside a mask, optionally best-of-N seeds), `diffusion.txt2img` makes an image from the prompt
 * alone. The model is an installed diffusers-onnx model (`filterlab models add <folder> --id
 * sd-turbo`) or a spec-relative path to such a folder with its model.json; its pipeline is
 * loaded once per Context and shared by every filter that uses it.
 */

const shared = {
  /** Installed model id ("sd-turbo") or a path to a model folder, relative to the spec. */
  model: z.string().min(1),
  prompt: z.string(),
  /** Steered away from; only used when guidance > 1. */
  negativePrompt: z.string().default(''),
  steps: z.number().int().min(1).max(1000).default(DIFFUSION_DEFAULTS.steps),
  /** Classifier-free guidance: 0 (SD-Turbo, LCM) or ~7.5 (SD 1.x / 2.x). */
  guidance: z.number().min(0).max(50).default(DIFFUSION_DEFAULTS.guidance),
  /** Scheduler name; default: the one the model's scheduler_config.json names. */
  scheduler: z.string().min(1).optional(),
  /** Exact working size: multiples of the VAE factor x the UNet's downsampling (64 for SD). */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  /**
   * Long side the photo is scaled to for denoising (each side rounded to the size grid, 64 for
   * SD); default: the model's native size (512). Make it a filter parameter (`maxSide: $size`) to
   * trade detail for time: the UNet's and the VAE's cost grows with the pixel count.
   */
  maxSide: z.number().int().min(8).max(4096).optional(),
  /** The autoencoder: the model's SD VAE, or the tiny TAESD in its taesd/ folder (faster). */
  vae: z.enum(VAE_CHOICES).default('full'),
  /** Added to the run's seed, to pick another sample without changing the run's seed. */
  seedOffset: z.number().int().min(0).max(0xffffffff).default(0),
  /** ONNX Runtime threads for this model (default: the context's setting). */
  threads: z.number().int().min(1).max(256).optional(),
};

export const Img2imgOptionsSchema = z.strictObject({
  ...shared,
  /** Share of the schedule run: 0.5 with 2 steps is SD-Turbo's img2img; steps x strength >= 1. */
  strength: z.number().gt(0).max(1).default(DIFFUSION_DEFAULTS.strength),
  /** Mask value name: diffusion may change the photo only where it is 1. */
  mask: z.string().min(1).optional(),
  /** Edge softness of the mask, in pixels of a 1024 px long side. */
  feather: z.number().min(0).max(100).default(DIFFUSION_DEFAULTS.feather),
  /** Generate this many seeds and keep the best by `rank`. */
  bestOf: z.number().int().min(1).max(16).default(1),
  /**
   * identity: similarity to the photo's main face (fails without a face); closeness: least
   * changed; auto: identity when the photo has a face, else closeness.
   */
  rank: z.enum(RANKINGS).default('auto'),
});
export type Img2imgOptions = z.infer<typeof Img2imgOptionsSchema>;

export const Txt2imgOptionsSchema = z.strictObject(shared);
export type Txt2imgOptions = z.infer<typeof Txt2imgOptionsSchema>;

export const img2imgStep = defineStep({
  type: 'diffusion.img2img',
  summary:
    'Repaint the photo with a Stable Diffusion model (SD-Turbo, SD 1.x/2.x, LCM), optionally masked and best-of-N',
  options: Img2imgOptionsSchema,
  produces: 'image',
  reads: (o) => (o.mask ? [{ name: o.mask, kind: 'mask' as const }] : []),
  async prepare(options, env) {
    const pipeline = await loadPipeline(options, env);
    // The spec's own values must make a valid run (SD-Turbo's steps x strength >= 1 included).
    pipeline.scheduler(options.scheduler).plan(options.steps, { strength: options.strength });
    pipeline.autoencoder(options.vae);
    return {
      async run({ input, options: o, values, run }) {
        const { kept } = await generateBestOf(
          pipeline,
          env.ctx,
          {
            ...request(o, run),
            image: input,
            strength: o.strength,
            feather: o.feather,
            ...(o.mask ? { mask: values.mask(o.mask) } : {}),
          },
          baseSeed(run.seed, run.stepIndex, o.seedOffset),
          { bestOf: o.bestOf, rank: o.rank },
        );
        return { kind: 'image', image: kept[0]!.image };
      },
    };
  },
});

export const txt2imgStep = defineStep({
  type: 'diffusion.txt2img',
  summary:
    'Make an image from a prompt with a Stable Diffusion model (the input photo is not used)',
  options: Txt2imgOptionsSchema,
  produces: 'image',
  usesInput: false,
  async prepare(options, env) {
    const pipeline = await loadPipeline(options, env);
    pipeline.scheduler(options.scheduler).plan(options.steps);
    pipeline.autoencoder(options.vae);
    return {
      async run({ options: o, run }) {
        const result = await pipeline.generate({
          ...request(o, run),
          seeds: candidateSeeds(baseSeed(run.seed, run.stepIndex, o.seedOffset), 1),
        });
        return { kind: 'image', image: result.images[0]!.image };
      },
    };
  },
});

function request(o: Txt2imgOptions, run: RunState): DiffusionRequest {
  return {
    prompt: o.prompt,
    negativePrompt: o.negativePrompt,
    steps: o.steps,
    guidance: o.guidance,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    ...(o.width ? { width: o.width } : {}),
    ...(o.height ? { height: o.height } : {}),
    ...(o.maxSide ? { maxSide: o.maxSide } : {}),
    vae: o.vae,
    ...(run.signal ? { signal: run.signal } : {}),
    onProgress: (p) => run.progress(p.fraction),
  };
}

async function loadPipeline(
  options: { model: string; threads?: number | undefined },
  env: PrepareEnv,
): Promise<StableDiffusionPipeline> {
  const model = await env.resolveModel(options.model);
  checkDiffusersFormat(model);
  return sharedPipeline(env.ctx, { dir: model.dir, hash: model.hash }, options.threads);
}
