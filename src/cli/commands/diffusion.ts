import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { createContext, disposeContext } from '../../core/context.js';
import { RANKINGS, type Ranking } from '../../core/diffusion/choose-score.js';
import {
  baseSeed,
  candidateSeeds,
  generateBestOf,
  sharedPipeline,
  type BestOfResult,
} from '../../core/diffusion/generate-best-of.js';
import { resolveDiffusionSource } from '../../core/diffusion/model-source.js';
import {
  DIFFUSION_DEFAULTS,
  type DiffusionProgress,
  type DiffusionRequest,
  type DiffusionResult,
  type GeneratedImage,
  type StableDiffusionPipeline,
} from '../../core/diffusion/pipeline.js';
import { describeSchedule } from '../../core/diffusion/schedule-command.js';
import { VAE_CHOICES, type VaeChoice } from '../../core/diffusion/vae-codec.js';
import { parseSchedulerConfigText } from '../../core/diffusion/schedulers/config.js';
import { schedulerNames } from '../../core/diffusion/schedulers/registry.js';
import { FilterlabError } from '../../core/errors.js';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { readImage } from '../../core/image/decode.js';
import { encodeImage } from '../../core/image/encode.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../core/image/formats.js';
import { createMask, type Mask } from '../../core/image/image.js';
import { luma601 } from '../../core/image/srgb.js';
import { defaultModelsDir } from '../../core/models/store.js';
import { EXIT } from '../exit-codes.js';
import { intOption, type Io } from '../io.js';

interface ScheduleFlags {
  scheduler: string;
  steps: number;
  config?: string;
  strength?: number;
  json: boolean;
}

interface RunFlags {
  model: string;
  prompt: string;
  negativePrompt?: string;
  image?: string;
  mask?: string;
  strength?: number;
  steps: number;
  guidance: number;
  scheduler?: string;
  width?: number;
  height?: number;
  maxSide?: number;
  vae: VaeChoice;
  ortCache: boolean;
  seed: number;
  bestOf: number;
  keep: number;
  rank: Ranking;
  threads?: number;
  out: string;
  json: boolean;
}

export function registerDiffusion(program: Command, io: Io): void {
  const diffusion = program
    .command('diffusion')
    .description(
      'Stable Diffusion img2img / txt2img with diffusers ONNX folders (docs/diffusion.md)',
    );

  diffusion
    .command('schedule')
    .description('Print the timesteps (and sigmas) a run with these settings feeds the UNet')
    .requiredOption(
      '--scheduler <name>',
      `scheduler: ${schedulerNames().slice(0, 8).join(', ')}, ...`,
    )
    .requiredOption('--steps <n>', 'inference steps', intOption)
    .option('--config <file>', "a model's scheduler/scheduler_config.json")
    .option('--strength <x>', 'img2img strength in (0, 1]', numberOption)
    .option('--json', 'print {"timesteps":[...],"sigmas":[...]}', false)
    .action(async (flags: ScheduleFlags) => {
      const config = flags.config ? await readConfig(flags.config) : undefined;
      const schedule = describeSchedule({
        scheduler: flags.scheduler,
        steps: flags.steps,
        ...(flags.strength !== undefined ? { strength: flags.strength } : {}),
        ...(config !== undefined ? { config } : {}),
      });
      if (flags.json) {
        io.out(JSON.stringify(schedule));
        return;
      }
      io.out('step  timestep  sigma');
      // 4 decimals for reading; --json keeps every digit.
      const sigma = (value: number | undefined) => (value === undefined ? '' : value.toFixed(4));
      schedule.timesteps.forEach((t, i) => {
        io.out(
          `${String(i).padStart(4)}  ${String(t).padStart(8)}  ${sigma(schedule.sigmas?.[i])}`,
        );
      });
      if (schedule.sigmas) io.out(`   -         -  ${sigma(schedule.sigmas.at(-1))} (final)`);
    });

  diffusion
    .command('run')
    .description(
      'Generate: img2img with --image, txt2img without; writes --out only when the run succeeds',
    )
    .requiredOption('--model <dir-or-id>', 'a diffusers ONNX folder or an installed model id')
    .requiredOption('--prompt <text>', 'what to paint')
    .option('--negative-prompt <text>', 'what to avoid (used when --guidance > 1)')
    .option('--image <file>', 'the photo to repaint (img2img)')
    .option('--mask <file>', 'greyscale mask: white = may change (masked img2img)')
    .option(
      '--strength <x>',
      `img2img strength in (0, 1] (default ${DIFFUSION_DEFAULTS.strength})`,
      numberOption,
    )
    .option('--steps <n>', 'inference steps', intOption, DIFFUSION_DEFAULTS.steps)
    .option(
      '--guidance <x>',
      'classifier-free guidance; 0 for SD-Turbo/LCM, ~7.5 for SD 1.x/2.x',
      numberOption,
      DIFFUSION_DEFAULTS.guidance,
    )
    .option('--scheduler <name>', "override the model's scheduler")
    .option('--width <n>', 'working width (multiple of 64 for SD)', intOption)
    .option('--height <n>', 'working height (multiple of 64 for SD)', intOption)
    .option(
      '--max-side <n>',
      "scale the photo's long side to this (default: the model's native size)",
      intOption,
    )
    .option(
      '--vae <which>',
      `autoencoder: ${VAE_CHOICES.join(', ')} (taesd/ in the model)`,
      vaeOption,
      'full',
    )
    .option(
      '--seed <n>',
      'run seed: the same pixels as a one-step filter applied with this seed',
      intOption,
      0,
    )
    .option('--best-of <n>', 'generate n seeds and keep the best', intOption, 1)
    .option('--keep <k>', 'how many of the best to write (out, out-2, out-3, ...)', intOption, 1)
    .option('--rank <how>', `best-of ranking: ${RANKINGS.join(', ')}`, rankOption, 'auto')
    .option('--threads <n>', 'ONNX Runtime threads', intOption)
    .option(
      '--no-ort-cache',
      "don't keep ONNX Runtime's optimised graphs in <models folder>/.ort-cache (saves disk, loads slower)",
    )
    .requiredOption('-o, --out <file>', 'output image (.png, .jpg, .webp, .avif)')
    .option('--json', 'print timings, seeds and warnings as JSON', false)
    .action(async (flags: RunFlags) => {
      io.exitCode = await run(flags, io);
    });
}

async function run(flags: RunFlags, io: Io): Promise<number> {
  const format = formatOf(flags.out);
  checkBestOf(flags);
  const ctx = createContext({
    modelsDir: io.modelsDir ?? defaultModelsDir(),
    sessionOptions: {
      ...(flags.threads ? { threads: flags.threads } : {}),
      ...(flags.ortCache ? {} : { optimizedCacheDir: '' }),
    },
  });
  const showProgress = !flags.json && Boolean(process.stderr.isTTY);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const source = await resolveDiffusionSource(flags.model, ctx.models);
    const photo = flags.image ? (await readImage(flags.image)).image : undefined;
    const mask = flags.mask ? await readMask(flags.mask) : undefined;
    const pipeline = await sharedPipeline(ctx, source);
    const request = {
      prompt: flags.prompt,
      ...(flags.negativePrompt !== undefined ? { negativePrompt: flags.negativePrompt } : {}),
      ...(mask ? { mask } : {}),
      ...(flags.strength !== undefined ? { strength: flags.strength } : {}),
      steps: flags.steps,
      guidance: flags.guidance,
      ...(flags.scheduler ? { scheduler: flags.scheduler } : {}),
      ...(flags.width ? { width: flags.width } : {}),
      ...(flags.height ? { height: flags.height } : {}),
      ...(flags.maxSide ? { maxSide: flags.maxSide } : {}),
      vae: flags.vae,
      signal: controller.signal,
      onProgress: (p: DiffusionProgress) =>
        showProgress &&
        process.stderr.write(
          `\rstep ${p.step}/${p.steps}${p.candidates > 1 ? ` (seed ${p.candidate + 1}/${p.candidates})` : ''}\x1b[K`,
        ),
    };
    // The seed rule of a one-step filter run with seed --seed (generate-best-of.ts).
    const base = baseSeed(flags.seed, 0);
    const { result, kept } = photo
      ? await generateBestOf(pipeline, ctx, { ...request, image: photo }, base, {
          bestOf: flags.bestOf,
          keep: flags.keep,
          rank: flags.rank,
        })
      : await txt2img(pipeline, { ...request, seeds: candidateSeeds(base, 1) });
    if (showProgress) process.stderr.write('\n');
    const written: string[] = [];
    for (const [i, candidate] of kept.entries()) {
      const file = i === 0 ? flags.out : numbered(flags.out, i + 1);
      await writeAtomic(file, await encodeImage(candidate.image, { format }));
      written.push(file);
    }
    report(io, flags, result, written, kept);
    return EXIT.OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await disposeContext(ctx);
  }
}

async function txt2img(
  pipeline: StableDiffusionPipeline,
  request: DiffusionRequest,
): Promise<BestOfResult> {
  const result = await pipeline.generate(request);
  return { result, kept: result.images.map((image) => ({ ...image, score: Number.NaN })) };
}

function checkBestOf(flags: RunFlags): void {
  if (flags.bestOf > 1 && !flags.image) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected --image with --best-of ${flags.bestOf} (candidates are ranked against the photo) but received no --image; txt2img makes one image per seed`,
    );
  }
  if (flags.keep > flags.bestOf) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected --keep <= --best-of but received --keep ${flags.keep} with --best-of ${flags.bestOf}`,
    );
  }
}

function report(
  io: Io,
  flags: RunFlags,
  result: DiffusionResult,
  written: string[],
  kept: readonly GeneratedImage[],
): void {
  for (const warning of result.warnings) io.err(`warning: ${warning}`);
  const t = result.timings;
  const seeds = kept.map((k) => k.seed);
  const { width, height } = kept[0]!.image;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          out: written,
          runSeed: flags.seed,
          seeds,
          size: { width, height },
          workingSize: result.size,
          timesteps: result.timesteps,
          warnings: result.warnings,
          timings: t,
        },
        null,
        2,
      ),
    );
    return;
  }
  const perStep = t.steps ? t.unetMs / t.steps : 0;
  io.out(
    `wrote ${written.join(', ')} (${width}x${height}, denoised at ${result.size.width}x${result.size.height}, ` +
      `seed ${flags.seed} -> candidate ${seeds.join(', ')}, timesteps ${result.timesteps.join(' ')})`,
  );
  io.out(
    `time: text encoder ${ms(t.textEncoderMs)}, vae encode ${ms(t.vaeEncodeMs)}, unet ${ms(t.unetMs)} (${ms(perStep)}/step), ` +
      `scheduler ${ms(t.schedulerMs)}, tensors ${ms(t.tensorMs)}, vae decode ${ms(t.vaeDecodeMs)}, total ${ms(t.totalMs)}`,
  );
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 0)} ms`;
}

/** out.png -> out-2.png */
function numbered(file: string, n: number): string {
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}-${n}${ext}`);
}

function formatOf(file: string): OutputFormat {
  const ext = path.extname(file).toLowerCase().slice(1);
  const format = (ext === 'jpg' ? 'jpeg' : ext) as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected --out to end in .png, .jpg, .webp or .avif but received ${JSON.stringify(file)}`,
    );
  }
  return format;
}

/** A greyscale (or colour, by luma) image: white = 1 = may change. */
async function readMask(file: string): Promise<Mask> {
  const { image } = await readImage(file);
  const mask = createMask(image.width, image.height);
  for (let i = 0; i < mask.data.length; i++) {
    mask.data[i] = luma601(image.data[i * 3]!, image.data[i * 3 + 1]!, image.data[i * 3 + 2]!);
  }
  return mask;
}

async function readConfig(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected a scheduler config at ${file} but it cannot be read`,
      {
        cause,
      },
    );
  }
  return parseSchedulerConfigText(text);
}

function numberOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new InvalidArgumentError(`Expected a number but received ${JSON.stringify(value)}`);
  return n;
}

function vaeOption(value: string): VaeChoice {
  if (!(VAE_CHOICES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `Expected one of ${VAE_CHOICES.join(', ')} but received ${JSON.stringify(value)}`,
    );
  }
  return value as VaeChoice;
}

function rankOption(value: string): Ranking {
  if (!(RANKINGS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `Expected one of ${RANKINGS.join(', ')} but received ${JSON.stringify(value)}`,
    );
  }
  return value as Ranking;
}
