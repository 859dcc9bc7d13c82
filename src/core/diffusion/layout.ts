import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { parseWith as parseSchema } from '../util/parse-with.js';
import { readText as readTextFile } from '../util/read-file.js';
import { parseSchedulerConfigText } from './schedulers/config.js';
import type { SizeGrid } from './working-size.js';

/**
 * The diffusers ONNX folder layout, as `optimum-cli export onnx` and diffusers'
 * convert_stable_diffusion_checkpoint_to_onnx.py write it:
 *
 *   model_index.json
 *   tokenizer/               tokenizer.json, or vocab.json + merges.txt
 *   text_encoder/model.onnx  (+ config.json)
 *   unet/model.onnx          (+ config.json, + model.onnx_data for large exports)
 *   vae_encoder/model.onnx   (+ config.json)
 *   vae_decoder/model.onnx   (+ config.json)
 *   scheduler/scheduler_config.json
 *
 * `readDiffusersLayout` checks that every part is there and reads the configs; which tensors
 * the parts take, and whether they fit each other, is checked once the sessions are open
 * (parts.ts), since only the ONNX files say that for sure.
 */

/** Where each ONNX part lives, relative to the folder. */
export const ONNX_PARTS = {
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  vaeEncoder: 'vae_encoder/model.onnx',
  vaeDecoder: 'vae_decoder/model.onnx',
} as const;
export type OnnxPart = keyof typeof ONNX_PARTS;

/**
 * The optional tiny autoencoder TAESD (madebyollin/taesd, MIT) in the same layout under taesd/:
 * a cheaper replacement for vae_encoder and vae_decoder, chosen per run (`vae: taesd`).
 */
export const TAESD_PARTS = {
  encoder: 'taesd/vae_encoder/model.onnx',
  decoder: 'taesd/vae_decoder/model.onnx',
} as const;
export const TAESD_CONFIG = 'taesd/config.json';

export const MODEL_INDEX = 'model_index.json';
export const SCHEDULER_CONFIG = 'scheduler/scheduler_config.json';
export const TOKENIZER_DIR = 'tokenizer';

/**
 * diffusers' AutoencoderKL default, used by SD 1.x, 2.x and SD-Turbo; SDXL's VAE uses 0.13025,
 * which is why the config's value wins whenever there is one.
 */
export const DEFAULT_VAE_SCALING_FACTOR = 0.18215;
/** The SD VAE's 8x downsampling, for folders whose VAE config does not say. */
export const DEFAULT_VAE_FACTOR = 8;
/** diffusers' UNet2DConditionModel default block_out_channels (320, 640, 1280, 1280): 3 downsamplers. */
export const DEFAULT_UNET_BLOCKS = 4;

export interface VaeSettings {
  /** Latents for the UNet are (vae latents - shiftFactor) * scalingFactor. */
  scalingFactor: number;
  shiftFactor: number;
  /** Image pixels per latent pixel: 2^(len(block_out_channels) - 1). */
  spatialFactor: number;
  latentChannels?: number;
  /** The config file the values came from; undefined when defaults were assumed. */
  source?: string;
}

export interface TaesdSettings {
  encoder: string;
  decoder: string;
  /** TAESD's latents are the SD VAE's scaled ones: its scaling factor is 1. */
  scalingFactor: number;
  shiftFactor: number;
  /** TAESD's own models take and give [0, 1] images; diffusers' AutoencoderTiny exports [-1, 1]. */
  imageRange: 'unit' | 'signed';
}

export interface DiffusersLayout {
  readonly dir: string;
  readonly modelIndex: Readonly<Record<string, unknown>>;
  /** Absolute paths of the ONNX files. */
  readonly files: Readonly<Record<OnnxPart, string>>;
  readonly tokenizerDir: string;
  readonly schedulerConfig: Readonly<Record<string, unknown>>;
  readonly vae: Readonly<VaeSettings>;
  readonly unet: Readonly<UnetConfig>;
  /** Working sides are multiples of vaeFactor x unetFactor (64 for SD). */
  readonly sizeGrid: Readonly<SizeGrid>;
  readonly textEncoder: Readonly<TextEncoderConfig>;
  /** The tiny autoencoder in taesd/, when the folder has one. */
  readonly taesd?: Readonly<TaesdSettings>;
  /** Things a user should know (defaults assumed); the pipeline logs them. */
  readonly warnings: readonly string[];
}

const VaeConfigSchema = z.looseObject({
  scaling_factor: z.number().positive().nullish(),
  shift_factor: z.number().nullish(),
  block_out_channels: z.array(z.number().int().positive()).min(1).nullish(),
  latent_channels: z.number().int().positive().nullish(),
});

const TaesdConfigSchema = z.looseObject({
  scaling_factor: z.number().positive().default(1),
  shift_factor: z.number().default(0),
  image_range: z
    .tuple([z.number(), z.number()])
    .refine(([lo, hi]) => hi === 1 && (lo === 0 || lo === -1), 'Expected [0, 1] or [-1, 1]')
    .default([0, 1]),
});

const UnetConfigSchema = z.looseObject({
  in_channels: z.number().int().positive().optional(),
  sample_size: z.number().int().positive().optional(),
  cross_attention_dim: z.number().int().positive().optional(),
  block_out_channels: z.array(z.number().int().positive()).min(1).optional(),
  time_cond_proj_dim: z.number().int().positive().nullish(),
});
export type UnetConfig = z.infer<typeof UnetConfigSchema>;

const TextEncoderConfigSchema = z.looseObject({
  hidden_size: z.number().int().positive().optional(),
});
export type TextEncoderConfig = z.infer<typeof TextEncoderConfigSchema>;

/** Read and check a diffusers ONNX folder; every missing part is named in one error. */
export async function readDiffusersLayout(dirArg: string): Promise<DiffusersLayout> {
  const dir = path.resolve(dirArg);
  if (!(await isDirectory(dir))) {
    throw layoutError(dir, `Expected a diffusers ONNX folder at ${dir} but there is no folder`);
  }
  await refuseUnsupported(dir);
  const missing = await missingParts(dir);
  if (missing.length > 0) {
    throw layoutError(
      dir,
      `Expected a diffusers ONNX folder at ${dir} but it lacks ${missing.join(', ')}. ` +
        'Export one with `optimum-cli export onnx --model <model id> <folder>` (see docs/diffusion.md)',
      { missing },
    );
  }
  const modelIndex = objectOf(await readJson(dir, MODEL_INDEX), dir, MODEL_INDEX);
  const schedulerConfig = objectOf(
    parseSchedulerConfigText(await readText(dir, SCHEDULER_CONFIG)),
    dir,
    SCHEDULER_CONFIG,
  );
  const warnings: string[] = [];
  const vae = await readVaeSettings(dir, warnings);
  const unet = parseWith(
    UnetConfigSchema,
    await readOptionalJson(dir, 'unet/config.json'),
    dir,
    'unet/config.json',
  );
  if (unet.in_channels === 9) throw inpaintingError(dir);
  const sizeGrid = { vaeFactor: vae.spatialFactor, unetFactor: unetFactor(unet, warnings) };
  const textEncoder = parseWith(
    TextEncoderConfigSchema,
    await readOptionalJson(dir, 'text_encoder/config.json'),
    dir,
    'text_encoder/config.json',
  );
  const files = Object.fromEntries(
    Object.entries(ONNX_PARTS).map(([part, file]) => [part, path.join(dir, file)]),
  ) as Record<OnnxPart, string>;
  const taesd = await readTaesd(dir);
  return {
    dir,
    modelIndex,
    files,
    tokenizerDir: path.join(dir, TOKENIZER_DIR),
    schedulerConfig,
    vae,
    unet,
    sizeGrid,
    textEncoder,
    ...(taesd ? { taesd } : {}),
    warnings,
  };
}

/** taesd/ is optional, but when it is there both halves must be. */
async function readTaesd(dir: string): Promise<TaesdSettings | undefined> {
  if (!(await isDirectory(path.join(dir, 'taesd')))) return undefined;
  const missing: string[] = [];
  for (const file of Object.values(TAESD_PARTS)) {
    if (!(await exists(path.join(dir, file)))) missing.push(file);
  }
  if (missing.length > 0) {
    throw layoutError(
      dir,
      `Expected the tiny autoencoder in ${path.join(dir, 'taesd')} to have ${Object.values(TAESD_PARTS).join(' and ')} but it lacks ${missing.join(', ')}`,
      { missing },
    );
  }
  const config = parseWith(
    TaesdConfigSchema,
    await readOptionalJson(dir, TAESD_CONFIG),
    dir,
    TAESD_CONFIG,
  );
  return {
    encoder: path.join(dir, TAESD_PARTS.encoder),
    decoder: path.join(dir, TAESD_PARTS.decoder),
    scalingFactor: config.scaling_factor,
    shiftFactor: config.shift_factor,
    imageRange: config.image_range[0] === 0 ? 'unit' : 'signed',
  };
}

/**
 * How many times the UNet halves the latents: once per block but the last, as diffusers'
 * UNet2DConditionModel counts its upsamplers (2^(len(block_out_channels) - 1)).
 */
function unetFactor(unet: UnetConfig, warnings: string[]): number {
  const blocks = unet.block_out_channels?.length;
  if (blocks === undefined) {
    warnings.push(
      `No block_out_channels in unet/config.json; assuming ${DEFAULT_UNET_BLOCKS} blocks (SD 1.x / 2.x / SD-Turbo), ` +
        `so working sizes are multiples of ${2 ** (DEFAULT_UNET_BLOCKS - 1)} latent pixels`,
    );
  }
  return 2 ** ((blocks ?? DEFAULT_UNET_BLOCKS) - 1);
}

/** Whether `dir` looks like a diffusers folder at all (has a model_index.json). */
export async function isDiffusersFolder(dir: string): Promise<boolean> {
  return exists(path.join(dir, MODEL_INDEX));
}

export function layoutError(
  dir: string,
  message: string,
  details: Record<string, unknown> = {},
): FilterlabError {
  return new FilterlabError('FL_ERR_DIFFUSION_LAYOUT', message, { details: { dir, ...details } });
}

export function inpaintingError(dir: string): FilterlabError {
  return layoutError(
    dir,
    `Expected a text-to-image UNet (4 latent input channels) in ${dir} but it takes 9: an inpainting ` +
      'model, which filterlab does not run; use the base model with a mask (masked img2img) instead',
  );
}

async function missingParts(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const file of [MODEL_INDEX, ...Object.values(ONNX_PARTS), SCHEDULER_CONFIG]) {
    if (!(await exists(path.join(dir, file)))) missing.push(file);
  }
  const tokenizer = path.join(dir, TOKENIZER_DIR);
  const hasJson = await exists(path.join(tokenizer, 'tokenizer.json'));
  const hasPair =
    (await exists(path.join(tokenizer, 'vocab.json'))) &&
    (await exists(path.join(tokenizer, 'merges.txt')));
  if (!hasJson && !hasPair) missing.push('tokenizer/tokenizer.json (or vocab.json + merges.txt)');
  return missing;
}

/** SDXL needs a second text encoder and size conditioning: say so instead of failing later. */
async function refuseUnsupported(dir: string): Promise<void> {
  if (await exists(path.join(dir, 'text_encoder_2'))) {
    throw layoutError(
      dir,
      `Expected a Stable Diffusion 1.x / 2.x / SD-Turbo / LCM folder at ${dir} but it has text_encoder_2/, ` +
        'which makes it SDXL (two text encoders, size conditioning): filterlab does not run SDXL',
    );
  }
}

/**
 * The VAE's scaling_factor, shift and downsampling factor. diffusers ONNX exports keep the VAE
 * config beside each half (vae_decoder/config.json, vae_encoder/config.json); a PyTorch-style
 * vae/config.json is read too. When they disagree the folder is mixed from two models.
 */
async function readVaeSettings(dir: string, warnings: string[]): Promise<VaeSettings> {
  const found: { file: string; config: z.infer<typeof VaeConfigSchema> }[] = [];
  for (const file of ['vae_decoder/config.json', 'vae_encoder/config.json', 'vae/config.json']) {
    const raw = await readOptionalJson(dir, file);
    if (raw !== undefined) found.push({ file, config: parseWith(VaeConfigSchema, raw, dir, file) });
  }
  const factors = new Set(found.map((f) => f.config.scaling_factor).filter((v) => v != null));
  if (factors.size > 1) {
    throw layoutError(
      dir,
      `Expected one VAE scaling_factor in ${dir} but ${found
        .map((f) => `${f.file} says ${f.config.scaling_factor}`)
        .join(' and ')}: the VAE halves come from different models`,
    );
  }
  const withFactor = found.find((f) => f.config.scaling_factor != null);
  const first = withFactor ?? found[0];
  if (!withFactor) {
    warnings.push(
      `No VAE scaling_factor in ${found.length ? found.map((f) => f.file).join(', ') : 'vae_decoder/config.json or vae_encoder/config.json'}; ` +
        `assuming ${DEFAULT_VAE_SCALING_FACTOR} (SD 1.x / 2.x / SD-Turbo). Other VAEs (SDXL: 0.13025) need their config.json`,
    );
  }
  const blocks = first?.config.block_out_channels;
  const latentChannels = first?.config.latent_channels ?? undefined;
  return {
    scalingFactor: withFactor?.config.scaling_factor ?? DEFAULT_VAE_SCALING_FACTOR,
    shiftFactor: first?.config.shift_factor ?? 0,
    spatialFactor: blocks ? 2 ** (blocks.length - 1) : DEFAULT_VAE_FACTOR,
    ...(latentChannels ? { latentChannels } : {}),
    ...(first ? { source: first.file } : {}),
  };
}

async function readText(dir: string, file: string): Promise<string> {
  return readTextFile(path.join(dir, file), 'a file of the diffusers folder');
}

async function readJson(dir: string, file: string): Promise<unknown> {
  const text = await readText(dir, file);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw layoutError(
      dir,
      `Expected JSON in ${path.join(dir, file)} but it does not parse: ${(cause as Error).message}`,
    );
  }
}

async function readOptionalJson(dir: string, file: string): Promise<unknown> {
  return (await exists(path.join(dir, file))) ? readJson(dir, file) : undefined;
}

function objectOf(value: unknown, dir: string, file: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw layoutError(dir, `Expected a JSON object in ${path.join(dir, file)}`);
  }
  return value as Record<string, unknown>;
}

function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  dir: string,
  file: string,
): z.output<S> {
  return parseSchema(
    schema,
    value ?? {},
    'FL_ERR_DIFFUSION_LAYOUT',
    `Invalid ${path.join(dir, file)}`,
    { details: { dir } },
  );
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
