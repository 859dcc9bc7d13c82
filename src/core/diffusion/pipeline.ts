import type { Logger } from '../context.js';
import { FilterlabError, invalidArgument, throwIfAborted } from '../errors.js';
import type { Image, Mask } from '../image/image.js';
import { resizeImage } from '../image/resize.js';
import { createRng } from '../rng.js';
import type { OnnxRuntime, OnnxSessionOptions } from '../runtime/onnx.js';
import type { Tensor } from '../tensor/tensor.js';
import { ClipTokenizer } from './clip-tokenizer.js';
import { combineGuidance, guidanceEmbedding, usesClassifierFreeGuidance } from './guidance.js';
import { refuseGpuOnlyOps } from './contrib-ops.js';
import { assertFinite } from './finite-check.js';
import { blendLatents, latentMask } from './latent-mask.js';
import { layoutError, readDiffusersLayout, TAESD_PARTS, type DiffusersLayout } from './layout.js';
import { compositeMasked } from './mask-composite.js';
import { batchedModelInput, fromModelFloats, toModelFloats } from './model-floats.js';
import { openParts, type OpenedParts, type PartsContract } from './parts.js';
import { encodePrompts } from './prompt-encoder.js';
import { SCHEDULERS, schedulerFromConfig, schedulerNames } from './schedulers/registry.js';
import type { Scheduler } from './schedulers/scheduler.js';
import { checkStrength } from './schedulers/timesteps.js';
import { timestepTensor } from './timestep-tensor.js';
import { emptyTimings, StepClock, timed, type DiffusionTimings } from './timings.js';
import { openTaesd, VaeCodec, type VaeChoice } from './vae-codec.js';
import { workingSize, type Size, type SizeOptions } from './working-size.js';

/**
 * Stable Diffusion img2img and txt2img (SD 1.x, 2.x, SD-Turbo, LCM) on ONNX Runtime, read top to
 * bottom as diffusers' OnnxStableDiffusionImg2ImgPipeline.__call__
 * (src/diffusers/pipelines/stable_diffusion/pipeline_onnx_stable_diffusion_img2img.py) and
 * OnnxStableDiffusionPipeline for txt2img:
 *
 *   1. encode the prompt (and the negative prompt, when guidance > 1) with the text encoder;
 *   2. img2img: encode the photo with the VAE encoder, scale by the VAE's scaling_factor;
 *   3. draw the initial noise from the seed; img2img noises the photo's latents to the first
 *      timestep the strength leaves (the scheduler's plan), txt2img scales the noise by
 *      init_noise_sigma;
 *   4. each step: scale the latents for the UNet, predict the noise (one batch of [negative,
 *      prompt] with classifier-free guidance), combine, let the scheduler step; masked img2img
 *      then blends the unmasked area back to the photo (latent-mask.ts);
 *   5. unscale, decode with the VAE decoder, resize back to the photo's size; masked img2img
 *      lays the result over the photo through the feathered mask (mask-composite.ts).
 *
 * Randomness: everything random comes from one xoshiro128** generator per seed (src/core/rng.ts):
 * the initial noise is its first N normals (polar Box-Muller) in NCHW order, then whatever an
 * ancestral scheduler draws, in step order. The same seed, settings and model give the same
 * pixels on every run; it does not reproduce numpy's or torch's streams.
 *
 * Departures from diffusers: the VAE encoder's latent_parameters (optimum exports) are used by
 * their mean rather than sampled (the SD VAE's standard deviation is ~1e-3 of the latent scale,
 * and a sample would make img2img depend on a second random stream); the photo is resized so its
 * long side is the model's native size (diffusers keeps the photo's size, floored to 8).
 */

/** The defaults of the filterlab examples' model, SD-Turbo (its model card's img2img example). */
export const DIFFUSION_DEFAULTS = { steps: 2, strength: 0.5, guidance: 0, feather: 8 } as const;

export interface DiffusionRequest extends SizeOptions {
  prompt: string;
  /** What to steer away from; only used with classifier-free guidance (guidance > 1). */
  negativePrompt?: string;
  /** The photo, for img2img; txt2img without it. */
  image?: Image;
  /** img2img: how much of the schedule to run, in (0, 1]; steps x strength must be >= 1. */
  strength?: number;
  /** Masked img2img: 1 where diffusion may change the photo, 0 where it must not. */
  mask?: Mask;
  /** Edge softness of the mask composite, in pixels of a 1024 px long side. */
  feather?: number;
  steps?: number;
  /** Classifier-free guidance scale: > 1 runs the UNet on [negative, prompt]; 0 or 1 does not. */
  guidance?: number;
  /** The autoencoder: the folder's SD VAE (default) or the tiny TAESD in its taesd/ folder. */
  vae?: VaeChoice;
  /** A scheduler name overriding the folder's scheduler_config.json class (same config). */
  scheduler?: string;
  /** One image per seed (best-of-N); default [0]. Integers in [0, 2^32). */
  seeds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (progress: DiffusionProgress) => void;
}

export interface DiffusionProgress {
  /** Overall fraction of denoising steps done, in [0, 1]. */
  fraction: number;
  /** Steps done in this candidate, of `steps`. */
  step: number;
  steps: number;
  candidate: number;
  candidates: number;
}

export interface GeneratedImage {
  seed: number;
  image: Image;
}

export interface DiffusionResult {
  /** One per seed, in seed order; img2img outputs have the photo's size. */
  images: GeneratedImage[];
  /** The size denoised at (multiples of the VAE factor). */
  size: Size;
  /** What the UNet was given, after strength. */
  timesteps: number[];
  /** Prompt truncation and model-config defaults; also logged. */
  warnings: string[];
  timings: DiffusionTimings;
}

/** Where a pipeline's folder is, and its content hash when it comes from a model store. */
export interface PipelineSource {
  dir: string;
  hash?: string;
}

export interface PipelineEnv {
  onnx: OnnxRuntime;
  logger?: Logger;
  sessionOptions?: OnnxSessionOptions;
}

/** What one generate() call settles before the first step. */
interface Job {
  scheduler: Scheduler;
  steps: number;
  strength: number | undefined;
  guidance: number;
  cfg: boolean;
  latentShape: [number, number, number, number];
  text: Tensor;
  guidanceCondition: Tensor | undefined;
  imageLatents: Float32Array | undefined;
  mask: Float32Array | undefined;
  signal: AbortSignal | undefined;
  progress: (step: number) => void;
  timings: DiffusionTimings;
}

export class StableDiffusionPipeline {
  private constructor(
    readonly layout: DiffusersLayout,
    private readonly parts: OpenedParts,
    private readonly codecs: { full: VaeCodec; taesd?: VaeCodec; release(): Promise<void> },
    private readonly tokenizer: ClipTokenizer,
    /** The folder's own scheduler (immutable, so one serves every run), or why there is none. */
    private readonly defaultScheduler: Scheduler | FilterlabError,
    private readonly logger: Logger | undefined,
  ) {}

  /** Read and check the folder, open its four sessions, and check that they fit together. */
  static async load(source: PipelineSource, env: PipelineEnv): Promise<StableDiffusionPipeline> {
    const layout = await readDiffusersLayout(source.dir);
    await refuseGpuOnlyOps(layout.dir, layout.files, env.sessionOptions?.executionProviders);
    const tokenizer = await ClipTokenizer.fromFolder(layout.tokenizerDir);
    const scheduler = folderScheduler(layout.schedulerConfig); // a bad config fails before any session
    const parts = await openParts(layout, env.onnx, env.sessionOptions, source.hash);
    const window = parts.sessions.textEncoder.inputs.find((i) => i.name === 'input_ids')?.shape[1];
    if (typeof window === 'number' && window !== tokenizer.maxLength) {
      await parts.release();
      throw layoutError(
        layout.dir,
        `text_encoder takes ${window} tokens but the tokenizer pads to ${tokenizer.maxLength} (model_max_length): they come from different models`,
      );
    }
    const taesd = await openTaesd(
      layout,
      env.onnx,
      parts.contract.latentChannels,
      env.sessionOptions,
      source.hash,
    ).catch(async (error: unknown) => {
      await parts.release();
      throw error;
    });
    const codecs = {
      full: VaeCodec.full(layout, parts),
      ...(taesd ? { taesd: taesd.codec } : {}),
      release: async () => taesd?.release(),
    };
    for (const warning of layout.warnings) env.logger?.warn({ dir: layout.dir }, warning);
    return new StableDiffusionPipeline(layout, parts, codecs, tokenizer, scheduler, env.logger);
  }

  get contract(): PartsContract {
    return this.parts.contract;
  }

  /** The UNet's native image side: sample_size x the VAE factor (512 for SD 1.x and SD-Turbo). */
  get nativeSide(): number {
    return (this.layout.unet.sample_size ?? 64) * this.layout.vae.spatialFactor;
  }

  /** The scheduler a run uses: the folder's, or `name` on the folder's config. */
  scheduler(name?: string): Scheduler {
    if (name !== undefined) return schedulerFromConfig({ ...this.layout.schedulerConfig }, name);
    if (this.defaultScheduler instanceof FilterlabError) throw this.defaultScheduler;
    return this.defaultScheduler;
  }

  async generate(request: DiffusionRequest): Promise<DiffusionResult> {
    const started = performance.now();
    const r = checkRequest(request);
    const timings = emptyTimings();
    const scheduler = this.scheduler(r.scheduler);
    const strength = r.image ? r.strength : undefined;
    // SD-Turbo's rule, steps x strength >= 1, fails here with its explanation, before any work.
    const timesteps = [...scheduler.plan(r.steps, strength ? { strength } : {}).timesteps];
    const factor = this.layout.vae.spatialFactor;
    const size = workingSize(r.image, r, this.layout.sizeGrid, this.nativeSide);
    const unet = this.parts.contract.unet;
    const cfg = usesClassifierFreeGuidance(r.guidance) && unet.guidanceEmbeddingSize === undefined;
    const latentShape: Job['latentShape'] = [
      1,
      this.parts.contract.latentChannels,
      size.height / factor,
      size.width / factor,
    ];
    const codec = this.autoencoder(r.vae); // a missing TAESD fails before any model runs
    const encoded = await timed(timings, 'textEncoderMs', () => this.encodeText(r, cfg));
    for (const warning of encoded.warnings) this.logger?.warn({ dir: this.layout.dir }, warning);
    const imageLatents = r.image
      ? await timed(timings, 'vaeEncodeMs', () => codec.encode(atSize(r.image!, size), r.signal))
      : undefined;
    const mask = r.mask ? latentMask(r.mask, latentShape[3], latentShape[2]) : undefined;
    const guidanceCondition = unet.guidanceEmbeddingSize
      ? guidanceTensor(r.guidance, unet.guidanceEmbeddingSize, unet.floatType)
      : undefined;
    const totalSteps = timesteps.length * r.seeds.length;
    const images: GeneratedImage[] = [];
    for (const [candidate, seed] of r.seeds.entries()) {
      const job: Job = {
        scheduler,
        steps: r.steps,
        strength,
        guidance: r.guidance,
        cfg,
        latentShape,
        text: encoded.embeddings,
        guidanceCondition,
        imageLatents,
        mask,
        signal: r.signal,
        progress: (step) =>
          r.onProgress?.({
            fraction: (candidate * timesteps.length + step) / totalSteps,
            step,
            steps: timesteps.length,
            candidate,
            candidates: r.seeds.length,
          }),
        timings,
      };
      const latents = await this.denoise(job, seed);
      const image = await timed(timings, 'vaeDecodeMs', () => this.decode(codec, latents, size, r));
      images.push({ seed, image });
    }
    timings.totalMs = performance.now() - started;
    return {
      images,
      size,
      timesteps,
      warnings: [...this.layout.warnings, ...encoded.warnings],
      timings,
    };
  }

  /** Step 1: [negative prompt, prompt] with classifier-free guidance, else the prompt alone. */
  private encodeText(r: CheckedRequest, cfg: boolean) {
    const prompt = { label: 'prompt', text: r.prompt };
    const prompts = cfg ? [{ label: 'negative prompt', text: r.negativePrompt }, prompt] : [prompt];
    const { textEncoder } = this.parts.sessions;
    return encodePrompts(this.tokenizer, textEncoder, this.parts.contract, prompts, r.signal);
  }

  /** Steps 3 and 4: from the seed's noise to the final latents. */
  private async denoise(job: Job, seed: number): Promise<Float32Array> {
    const { cfg, timings, signal, imageLatents, mask } = job;
    const { unet: unetContract } = this.parts.contract;
    const n = job.latentShape.reduce((a, b) => a * b, 1);
    const batch = cfg ? 2 : 1;
    const rng = createRng(seed);
    const noise = timed(timings, 'tensorMs', () => rng.fillNormal(new Float32Array(n)));
    const run = timed(timings, 'schedulerMs', () =>
      job.scheduler.plan(job.steps, { ...(job.strength ? { strength: job.strength } : {}), rng }),
    );
    const latents = timed(timings, 'schedulerMs', () =>
      imageLatents
        ? run.addNoise(imageLatents, noise, 0)
        : scaleInto(noise, run.initNoiseSigma, new Float32Array(n)),
    );
    // Buffers reused by every step: the batched UNet input, its float16 bits, the guided noise.
    const input = new Float32Array(batch * n);
    const inputHalf = unetContract.floatType === 'float16' ? new Uint16Array(batch * n) : undefined;
    const outputFloat =
      unetContract.floatType === 'float16' ? new Float32Array(batch * n) : undefined;
    const guided = cfg ? new Float32Array(n) : undefined;
    const reference = mask ? new Float32Array(n) : undefined;
    const dims = [batch, ...job.latentShape.slice(1)];
    const clock = new StepClock(timings);
    for (let i = 0; i < run.timesteps.length; i++) {
      throwIfAborted(signal);
      clock.startStep();
      run.scaleModelInput(latents, i, input.subarray(0, n));
      clock.lap('scheduler');
      const feeds: Record<string, Tensor> = {
        sample: batchedModelInput(input, n, batch, unetContract.floatType, dims, inputHalf),
        timestep: timestepTensor(run.timesteps[i]!, unetContract, batch),
        encoder_hidden_states: job.text,
        ...(job.guidanceCondition ? { timestep_cond: job.guidanceCondition } : {}),
      };
      clock.lap('tensor');
      const out = await this.parts.sessions.unet.run(feeds, {
        outputs: [unetContract.outputName],
        ...(signal ? { signal } : {}),
      });
      clock.lap('unet');
      const predicted = fromModelFloats(out[unetContract.outputName]!, 'unet output', outputFloat);
      assertFinite(
        predicted,
        'unet',
        unetContract.floatType,
        ` at step ${i + 1} (timestep ${run.timesteps[i]})`,
      );
      const noisePrediction = guided ? combineGuidance(predicted, job.guidance, guided) : predicted;
      clock.lap('tensor');
      run.step(noisePrediction, i, latents, latents);
      const last = i === run.timesteps.length - 1;
      if (reference && !last) run.addNoise(imageLatents!, noise, i + 1, reference);
      clock.lap('scheduler');
      if (mask) blendLatents(latents, last ? imageLatents! : reference!, mask);
      clock.lap('tensor');
      clock.endStep();
      job.progress(i + 1);
    }
    throwIfAborted(signal);
    return latents;
  }

  /** The autoencoder a run asks for; TAESD only where the folder has taesd/. */
  autoencoder(choice: VaeChoice = 'full'): VaeCodec {
    if (choice === 'full') return this.codecs.full;
    if (this.codecs.taesd) return this.codecs.taesd;
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected the tiny autoencoder (${TAESD_PARTS.encoder} and ${TAESD_PARTS.decoder}) in ${this.layout.dir} for vae "taesd" but it has none; ` +
        'add TAESD (docs/diffusion.md) or use vae "full"',
      { details: { name: 'vae' } },
    );
  }

  /** Step 5: latents to pixels at the photo's size (or the working size for txt2img). */
  private async decode(
    codec: VaeCodec,
    latents: Float32Array,
    size: Size,
    r: CheckedRequest,
  ): Promise<Image> {
    const decoded = await codec.decode(latents, size.width, size.height, r.signal);
    if (!r.image) return decoded;
    const generated = atSize(decoded, r.image);
    return r.mask ? compositeMasked(r.image, generated, r.mask, { feather: r.feather }) : generated;
  }

  async dispose(): Promise<void> {
    await this.codecs.release();
    await this.parts.release();
  }
}

type CheckedRequest = DiffusionRequest & {
  negativePrompt: string;
  strength: number;
  feather: number;
  steps: number;
  guidance: number;
  seeds: readonly number[];
};

/** Every bad value named before any model runs. */
function checkRequest(request: DiffusionRequest): CheckedRequest {
  const r = {
    ...request,
    negativePrompt: request.negativePrompt ?? '',
    strength: request.strength ?? DIFFUSION_DEFAULTS.strength,
    feather: request.feather ?? DIFFUSION_DEFAULTS.feather,
    steps: request.steps ?? DIFFUSION_DEFAULTS.steps,
    guidance: request.guidance ?? DIFFUSION_DEFAULTS.guidance,
    seeds: request.seeds ?? [0],
  };
  if (typeof r.prompt !== 'string') throw invalidArgument('a prompt string', 'prompt', r.prompt);
  if (typeof r.negativePrompt !== 'string') {
    throw invalidArgument('a string', 'negativePrompt', r.negativePrompt);
  }
  if (!Number.isInteger(r.steps) || r.steps < 1) {
    throw invalidArgument('an integer number of steps >= 1', 'steps', r.steps);
  }
  if (!Number.isFinite(r.guidance) || r.guidance < 0) {
    throw invalidArgument('a guidance scale >= 0 (0 or 1 = off)', 'guidance', r.guidance);
  }
  if (!Number.isFinite(r.feather) || r.feather < 0) {
    throw invalidArgument('a feather >= 0', 'feather', r.feather);
  }
  if (r.image) checkStrength(r.strength);
  else if (request.strength !== undefined || r.mask) {
    throw invalidArgument(
      'an image with strength and mask (img2img)',
      request.mask ? 'mask' : 'strength',
      'no image',
    );
  }
  if (
    r.seeds.length === 0 ||
    r.seeds.some((s) => !Number.isInteger(s) || s < 0 || s > 0xffffffff)
  ) {
    throw invalidArgument('one or more integer seeds in [0, 4294967295]', 'seeds', r.seeds);
  }
  return r;
}

/**
 * The scheduler scheduler_config.json names. A class filterlab does not implement (SD 1.5 ships
 * PNDMScheduler) does not stop the folder from loading: runs then name a scheduler to use on the
 * same config, as diffusers' `from_config` swaps them.
 */
function folderScheduler(config: Readonly<Record<string, unknown>>): Scheduler | FilterlabError {
  const className = config['_class_name'];
  const known = new Set(schedulerNames().map((n) => n.toLowerCase()));
  if (typeof className === 'string' && known.has(className.toLowerCase())) {
    return schedulerFromConfig({ ...config });
  }
  return new FilterlabError(
    'FL_ERR_INVALID_ARGUMENT',
    `Expected scheduler_config.json to name a scheduler filterlab implements but it names ${JSON.stringify(className ?? null)}; ` +
      `choose one to run on the same config: ${Object.keys(SCHEDULERS).join(', ')}`,
    { details: { name: 'scheduler' } },
  );
}

function atSize(image: Image, size: Size): Image {
  return image.width === size.width && image.height === size.height
    ? image
    : resizeImage(image, size.width, size.height);
}

function scaleInto(values: Float32Array, factor: number, out: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return out;
}

function guidanceTensor(guidance: number, size: number, type: 'float32' | 'float16'): Tensor {
  return toModelFloats(guidanceEmbedding(guidance, size), type, [1, size]);
}
