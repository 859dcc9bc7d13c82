/**
 * Where a denoising step's time goes outside the model: the TypeScript side of the pipeline.
 *
 *   npm run bench:diffusion -- [--runs 5] [--steps 20] [--threads 1,<cores>] [--decode-runs 2]
 *     [--only steps,load,decode]
 *
 * `load` and `decode` (bench/diffusion-parts/load-and-decode.ts): session creation time and peak
 * RSS of a UNet-sized model with and without the optimised-graph cache, and TAESD vs SD VAE
 * decode time at 512 px.
 *
 * The tiny diffusers-layout pipelines (scripts/fixtures/tiny-diffusion.ts, written to a temporary
 * folder) at 512x512 images, i.e. 64x64x4 latents, the size SD 1.x and SD-Turbo denoise at. The
 * tiny UNet is a few convolutions, so the UNet time here says nothing about a real model; what
 * this measures is everything else a step does, which is the same for a real model of that latent
 * size: the scheduler (scale_model_input, step, add_noise) and the tensor work around the UNet
 * (batching the latents for guidance, float16 casts, the guidance combine, mask blending).
 *
 * Cases: float32 and float16 models, with classifier-free guidance (batch 2, the heaviest tensor
 * work) and without; Euler (SD-Turbo's), Euler ancestral (draws fresh noise every step) and
 * DPM-Solver++ 2M; masked img2img. Each case: one warm-up run, then `runs` runs of `steps`
 * steps; medians over every step of the measured runs (the pipeline times each step's parts),
 * with the 90th percentile and the mean beside them: on a shared machine, other processes and
 * ONNX Runtime's spinning worker threads preempt the JavaScript thread now and then, which shows
 * in the tail, not in the median.
 *
 * Goal: under 1 ms of non-ONNX work (scheduler + tensors) per step. Results: a table on stdout
 * and bench/results/diffusion.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { generateTinyDiffusion } from '../scripts/fixtures/tiny-diffusion.js';
import { measureDecode, measureLoad } from './diffusion-parts/load-and-decode.js';
import { StableDiffusionPipeline, type DiffusionRequest } from '../src/core/diffusion/pipeline.js';
import type { DiffusionTimings } from '../src/core/diffusion/timings.js';
import { createImage, createMask } from '../src/core/image/image.js';
import { OnnxRuntime } from '../src/core/runtime/onnx.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results', 'diffusion.json');
const SIDE = 512;
const GOAL_MS = 1;

const PARTS = ['steps', 'load', 'decode'] as const;
type Part = (typeof PARTS)[number];

interface Args {
  runs: number;
  steps: number;
  /** ONNX Runtime intra-op thread counts to measure, one pass each. */
  threads: number[];
  /** Decodes per decoder at 512 px. */
  decodeRuns: number;
  only: Part[];
}

interface Case {
  name: string;
  model: 'tiny-sd' | 'tiny-sd-fp16';
  request: Omit<DiffusionRequest, 'steps' | 'seeds'>;
}

function parseArgs(argv: readonly string[]): Args {
  const cores = availableParallelism();
  const args: Args = {
    runs: 5,
    steps: 20,
    threads: [...new Set([1, cores])],
    decodeRuns: 2,
    only: [...PARTS],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (flag === '--only') {
      args.only = String(argv[i + 1]).split(',') as Part[];
      if (args.only.some((p) => !PARTS.includes(p))) {
        throw new Error(`--only takes a comma-separated list of ${PARTS.join(', ')}`);
      }
      continue;
    }
    const values = String(argv[i + 1])
      .split(',')
      .map(Number);
    if (values.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new Error(`${flag} needs a positive integer (--threads: a comma-separated list)`);
    }
    if (flag === '--runs') args.runs = values[0]!;
    else if (flag === '--steps') args.steps = values[0]!;
    else if (flag === '--threads') args.threads = values;
    else if (flag === '--decode-runs') args.decodeRuns = values[0]!;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

function photo(): ReturnType<typeof createImage> {
  const image = createImage(SIDE, SIDE);
  for (let i = 0; i < image.data.length; i++) image.data[i] = ((i * 7919) % 1000) / 1000;
  return image;
}

function cases(): Case[] {
  const size = { width: SIDE, height: SIDE };
  const mask = createMask(SIDE, SIDE);
  mask.data.fill(1, 0, mask.data.length / 2);
  const txt = { prompt: 'a watercolor portrait', ...size };
  const img = { ...txt, image: photo(), strength: 1 };
  return [
    { name: 'fp32 euler cfg 7.5', model: 'tiny-sd', request: { ...txt, guidance: 7.5 } },
    { name: 'fp32 euler no cfg', model: 'tiny-sd', request: { ...txt, guidance: 0 } },
    { name: 'fp16 euler cfg 7.5', model: 'tiny-sd-fp16', request: { ...txt, guidance: 7.5 } },
    { name: 'fp16 euler no cfg', model: 'tiny-sd-fp16', request: { ...txt, guidance: 0 } },
    {
      name: 'fp32 euler-ancestral cfg 7.5',
      model: 'tiny-sd',
      request: { ...txt, guidance: 7.5, scheduler: 'euler-ancestral' },
    },
    {
      name: 'fp32 dpm++2m cfg 7.5',
      model: 'tiny-sd',
      request: { ...txt, guidance: 7.5, scheduler: 'dpm++2m' },
    },
    {
      name: 'fp32 masked img2img cfg 7.5',
      model: 'tiny-sd',
      request: { ...img, guidance: 7.5, mask },
    },
  ];
}

/** Every measured step of every run, flattened. */
interface Steps {
  unet: number[];
  scheduler: number[];
  tensor: number[];
  nonOnnx: number[];
}

function addSteps(steps: Steps, t: DiffusionTimings): void {
  t.unetStepMs.forEach((unet, i) => {
    const scheduler = t.schedulerStepMs[i]!;
    const tensor = t.tensorStepMs[i]!;
    steps.unet.push(unet);
    steps.scheduler.push(scheduler);
    steps.tensor.push(tensor);
    steps.nonOnnx.push(scheduler + tensor);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function measure(pipeline: StableDiffusionPipeline, c: Case, args: Args) {
  const request = { ...c.request, steps: args.steps };
  await pipeline.generate({ ...request, seeds: [0] }); // warm-up: JIT, ORT's first-run allocations
  const steps: Steps = { unet: [], scheduler: [], tensor: [], nonOnnx: [] };
  const other: Pick<DiffusionTimings, 'textEncoderMs' | 'vaeEncodeMs' | 'vaeDecodeMs'>[] = [];
  for (let r = 0; r < args.runs; r++) {
    const { timings } = await pipeline.generate({ ...request, seeds: [r + 1] });
    addSteps(steps, timings);
    other.push(timings);
  }
  const nonOnnx = round(median(steps.nonOnnx));
  return {
    case: c.name,
    model: c.model,
    latents: `${pipeline.contract.latentChannels}x${SIDE / 8}x${SIDE / 8}`,
    batch: (c.request.guidance ?? 0) > 1 ? 2 : 1,
    steps: steps.nonOnnx.length,
    perStepMedianMs: {
      unet: round(median(steps.unet)),
      scheduler: round(median(steps.scheduler)),
      tensor: round(median(steps.tensor)),
      nonOnnx,
    },
    nonOnnxPerStepMs: {
      p90: round(percentile(steps.nonOnnx, 0.9)),
      mean: round(mean(steps.nonOnnx)),
      max: round(Math.max(...steps.nonOnnx)),
    },
    perRunMedianMs: {
      textEncoder: round(median(other.map((o) => o.textEncoderMs))),
      vaeEncode: round(median(other.map((o) => o.vaeEncodeMs))),
      vaeDecode: round(median(other.map((o) => o.vaeDecodeMs))),
    },
    meetsGoal: nonOnnx < GOAL_MS,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(path.join(tmpdir(), 'fl-bench-diffusion-'));
  const results = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let load: Awaited<ReturnType<typeof measureLoad>> | undefined;
  let decode: Awaited<ReturnType<typeof measureDecode>> | undefined;
  try {
    await generateTinyDiffusion(dir);
    if (args.only.includes('steps'))
      for (const threads of args.threads) results.push(...(await pass(dir, threads, args)));
    if (args.only.includes('load')) {
      log('\nsession creation, each in a fresh process');
      load = await measureLoad(dir, log);
    }
    if (args.only.includes('decode')) {
      log(`\n512x512 decode (64x64x4 latents), ${args.decodeRuns} run(s) each`);
      decode = await measureDecode(dir, path.join(dir, 'tiny-sd-turbo'), args.decodeRuns, log);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const report = {
    bench: 'diffusion',
    command: `npm run bench:diffusion -- --runs ${args.runs} --steps ${args.steps} --threads ${args.threads.join(',')} --decode-runs ${args.decodeRuns} --only ${args.only.join(',')}`,
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model.trim(),
      node: process.version,
      // other processes' load during the run: it shows in the p90 and mean columns
      loadAverage1m: round(loadavg()[0]!),
    },
    image: `${SIDE}x${SIDE}`,
    goal: `non-ONNX work (scheduler + tensors) under ${GOAL_MS} ms per step at 64x64 latents`,
    note:
      'unet times are of the tiny fixture UNet, not of a real model; scheduler and tensor times are what a real model of this latent size would also pay. ' +
      "With as many ONNX threads as cores, ONNX Runtime's worker threads keep spinning after a run and preempt the JavaScript thread, which shows in p90 and mean, not in the median.",
    results,
    allMeetGoal: results.every((r) => r.meetsGoal),
    ...(load
      ? {
          load: {
            note: 'ONNX session creation of a UNet-sized model (SD widths, random weights, external data), then two UNet calls at 64x64 latents, each case in a fresh process; RSS is the process peak (VmHWM: Node + ORT + the model) after creation and after the calls',
            ...load,
          },
        }
      : {}),
    ...(decode
      ? {
          decode: {
            note: '512x512 decodes; the at-scale decoders have the real architectures and sizes with random weights, so their times are what the real models cost; the fixture decoders are tiny and say nothing about speed',
            results: decode,
          },
        }
      : {}),
  };
  await writeFile(RESULTS, JSON.stringify(await keepUnmeasured(report, args), null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(ROOT, RESULTS)}\n`);
}

/**
 * A run with --only leaves the other parts of the previous results in place, each with the
 * command and date that measured it, rather than dropping them.
 */
async function keepUnmeasured(
  report: Record<string, unknown>,
  args: Args,
): Promise<Record<string, unknown>> {
  const previous =
    (await readFile(RESULTS, 'utf8')
      .then((t) => JSON.parse(t) as Record<string, unknown>)
      .catch(() => undefined)) ?? {};
  const out = { ...report };
  const kept: Record<string, { command: unknown; date: unknown }> = {};
  const keys: Record<Part, string[]> = {
    steps: ['results', 'allMeetGoal'],
    load: ['load'],
    decode: ['decode'],
  };
  for (const part of PARTS) {
    if (args.only.includes(part) || !(keys[part][0]! in previous)) continue;
    for (const key of keys[part]) out[key] = previous[key];
    const earlier = previous['measuredBy'] as Record<string, { command: unknown; date: unknown }>;
    kept[part] = earlier?.[part] ?? { command: previous['command'], date: previous['date'] };
  }
  const measuredBy = Object.fromEntries(
    PARTS.filter((part) => args.only.includes(part) || kept[part]).map((part) => [
      part,
      kept[part] ?? { command: report['command'], date: report['date'] },
    ]),
  );
  return { ...out, measuredBy };
}

/** Every case with sessions of `threads` intra-op threads. */
async function pass(dir: string, threads: number, args: Args) {
  const onnx = new OnnxRuntime();
  const results = [];
  try {
    const pipelines = new Map<string, StableDiffusionPipeline>();
    for (const model of ['tiny-sd', 'tiny-sd-fp16'] as const) {
      pipelines.set(
        model,
        await StableDiffusionPipeline.load(
          { dir: path.join(dir, model) },
          { onnx, sessionOptions: { threads } },
        ),
      );
    }
    process.stdout.write(
      `\n${SIDE}x${SIDE} images (64x64 latents), ${args.runs} runs x ${args.steps} steps, ${threads} ONNX thread(s)\n` +
        `medians per step (ms); non-ONNX = scheduler + tensors of the same step\n` +
        `${'case'.padEnd(30)} ${'unet'.padStart(8)} ${'sched'.padStart(8)} ${'tensor'.padStart(8)} ${'non-ONNX'.padStart(9)} ${'p90'.padStart(7)} ${'mean'.padStart(7)}\n`,
    );
    for (const c of cases()) {
      const result = { threads, ...(await measure(pipelines.get(c.model)!, c, args)) };
      results.push(result);
      const s = result.perStepMedianMs;
      const spread = result.nonOnnxPerStepMs;
      const cells = [s.unet, s.scheduler, s.tensor].map((v) => v.toFixed(3).padStart(8));
      process.stdout.write(
        `${c.name.padEnd(30)} ${cells.join(' ')} ${s.nonOnnx.toFixed(3).padStart(9)} ${spread.p90.toFixed(3).padStart(7)} ${spread.mean.toFixed(3).padStart(7)}${result.meetsGoal ? '' : '  (over 1 ms)'}\n`,
      );
    }
    for (const p of pipelines.values()) await p.dispose();
  } finally {
    await onnx.dispose();
  }
  return results;
}

await main();
