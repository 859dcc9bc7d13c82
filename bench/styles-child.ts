/**
 * One measurement of `npm run bench:styles`, in its own process so that its peak RSS is its own:
 *
 *   tsx bench/styles-child.ts '<job json>'   → one JSON result on stdout
 *
 * Jobs: `model` (bare forward passes of one ONNX model per size), `tfjs` (the ONNX float32 model
 * and the tfjs-wasm reference alternating in this one process), `filter` (a whole built-in filter,
 * decode → style → keep-face → encode, alternating with the bare call of its model).
 */
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { z } from 'zod';
import { percentiles, type Percentiles } from '../src/bench/percentiles.js';
import { atLongSide, loadPhoto } from '../src/bench/photos.js';
import { processPeakRssMb, rssMb } from '../src/bench/memory.js';
import { createContext, disposeContext, type Context } from '../src/core/context.js';
import { applyToBytes } from '../src/core/filters/apply.js';
import { compile } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';
import { encodeImage } from '../src/core/image/encode.js';
import type { Image } from '../src/core/image/image.js';
import type { InstalledModel } from '../src/core/models/store.js';
import type { OnnxSession, OnnxSessionOptions } from '../src/core/runtime/onnx.js';
import { imageToTensor } from '../src/core/tensor/image-tensor.js';
import { padImage } from '../src/core/tensor/letterbox.js';
import type { Tensor } from '../src/core/tensor/tensor.js';
import { startTfjsBackend, TfjsStyleTransfer, toPixels255 } from './peers/style-transfer-tfjs.js';

const SessionSchema = z.strictObject({
  threads: z.number().int().positive().optional(),
  graphOptimization: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
});

const Common = {
  photo: z.string(),
  sizes: z.array(z.number().int().positive()).min(1),
  runs: z.number().int().positive(),
  warmup: z.number().int().nonnegative(),
  session: SessionSchema.default({}),
};

export const StyleJobSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('model'), modelDir: z.string(), ...Common }),
  z.strictObject({
    kind: z.literal('tfjs'),
    modelDir: z.string(),
    checkpointDir: z.string(),
    ...Common,
  }),
  z.strictObject({ kind: z.literal('filter'), filter: z.string(), ...Common }),
]);
export type StyleJob = z.input<typeof StyleJobSchema>;

export interface ModelSizeResult {
  size: number;
  input: { width: number; height: number };
  latency: Percentiles;
  /** Process peak RSS (getrusage) after this size's runs; sizes run smallest first. */
  peakRssMb: number;
}

export interface TfjsSizeResult {
  size: number;
  input: { width: number; height: number };
  onnx: Percentiles;
  /** Undefined when tfjs failed at this size (see error). */
  tfjs?: Percentiles;
  error?: string;
  /** tfjs p50 / ONNX p50. */
  ratio?: number;
  /** max |ONNX - tfjs| over the output, in 0..255 levels. */
  maxAbsDiff?: number;
}

export interface FilterSizeResult {
  size: number;
  input: { width: number; height: number };
  /** applyToBytes on the JPEG: decode → filter → encode. */
  whole: Percentiles;
  /** session.run of the filter's model on the prepared tensor. */
  bare: Percentiles;
  steps: { decodeMs: number; runMs: number; encodeMs: number };
  /** whole p50 / bare p50. */
  ratio: number;
}

export type StyleJobResult =
  | { kind: 'model'; loadedRssMb: number; sizes: ModelSizeResult[] }
  | { kind: 'tfjs'; backend: { backend: string; simd: boolean }; sizes: TfjsSizeResult[] }
  | { kind: 'filter'; model: string; sizes: FilterSizeResult[] };

/** The tensor onnx.image gives a style model: edge-padded to a multiple of 4, NCHW 0..255. */
function preparedTensor(image: Image): Tensor {
  const padded = padImage(image, roundUp4(image.width), roundUp4(image.height));
  return imageToTensor(padded, { layout: 'nchw', range: [0, 255], channelOrder: 'rgb' });
}

const roundUp4 = (v: number) => Math.ceil(v / 4) * 4;

async function openSession(
  ctx: Context,
  model: InstalledModel,
  options: OnnxSessionOptions,
): Promise<OnnxSession> {
  return ctx.onnx.session({ path: model.entry, hash: model.hash }, options);
}

/** One forward pass of a single-input, single-output image model; returns its output data. */
async function forward(session: OnnxSession, input: Tensor): Promise<Float32Array> {
  const out = await session.run({ [session.inputs[0]!.name]: input });
  return out[session.outputs[0]!.name]!.data as Float32Array;
}

/** Alternate `fns` round by round (warm-up rounds unrecorded); times per fn in ms. */
async function alternate(
  fns: readonly (() => Promise<unknown>)[],
  runs: number,
  warmup: number,
): Promise<number[][]> {
  const times = fns.map(() => [] as number[]);
  for (let round = -warmup; round < runs; round++) {
    for (const [i, fn] of fns.entries()) {
      const started = performance.now();
      await fn();
      if (round >= 0) times[i]!.push(performance.now() - started);
    }
  }
  return times;
}

async function runModel(
  ctx: Context,
  job: Extract<z.infer<typeof StyleJobSchema>, { kind: 'model' }>,
) {
  const model = await ctx.models.resolve(job.modelDir);
  const session = await openSession(ctx, model, job.session);
  const photo = await loadPhoto(job.photo);
  const loadedRssMb = rssMb();
  const sizes: ModelSizeResult[] = [];
  for (const size of [...job.sizes].sort((a, b) => a - b)) {
    const image = atLongSide(photo, size);
    const input = preparedTensor(image);
    const [times] = await alternate([() => forward(session, input)], job.runs, job.warmup);
    sizes.push({
      size,
      input: { width: image.width, height: image.height },
      latency: percentiles(times!),
      peakRssMb: processPeakRssMb(),
    });
  }
  return { kind: 'model' as const, loadedRssMb, sizes };
}

async function runTfjs(
  ctx: Context,
  job: Extract<z.infer<typeof StyleJobSchema>, { kind: 'tfjs' }>,
) {
  const model = await ctx.models.resolve(job.modelDir);
  const session = await openSession(ctx, model, job.session);
  const tfjs = await TfjsStyleTransfer.load(job.checkpointDir);
  const photo = await loadPhoto(job.photo);
  const sizes: TfjsSizeResult[] = [];
  try {
    for (const size of [...job.sizes].sort((a, b) => a - b)) {
      const image = atLongSide(photo, size);
      const padded = padImage(image, roundUp4(image.width), roundUp4(image.height));
      const input = preparedTensor(image);
      const pixels = toPixels255(padded);
      let onnxOut: Float32Array | undefined;
      let tfjsOut: Float32Array | undefined;
      const onnxRun = async () => {
        onnxOut = await forward(session, input);
      };
      const tfjsRun = async () => {
        tfjsOut = (await tfjs.stylizePixels(pixels, padded.width, padded.height)).data;
      };
      const inputSize = { width: image.width, height: image.height };
      try {
        const [onnx, peer] = await alternate([onnxRun, tfjsRun], job.runs, job.warmup);
        const o = percentiles(onnx!);
        const t = percentiles(peer!);
        sizes.push({
          size,
          input: inputSize,
          onnx: o,
          tfjs: t,
          ratio: t.p50 / o.p50,
          maxAbsDiff: maxDiffNchwHwc(onnxOut!, tfjsOut!, padded.width * padded.height),
        });
      } catch (error) {
        // tfjs-wasm runs out of its 4 GB heap on large inputs; ONNX alone is measured then
        const [onnx] = await alternate([onnxRun], job.runs, 0);
        sizes.push({
          size,
          input: inputSize,
          onnx: percentiles(onnx!),
          error: (error instanceof Error ? error.message : String(error)).slice(0, 200),
        });
        break; // the wasm backend is not usable after such a failure
      }
    }
  } finally {
    tfjs.dispose();
  }
  return { kind: 'tfjs' as const, backend: await startTfjsBackend(), sizes };
}

function maxDiffNchwHwc(nchw: Float32Array, hwc: Float32Array, plane: number): number {
  let max = 0;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++)
      max = Math.max(max, Math.abs(nchw[c * plane + i]! - hwc[i * 3 + c]!));
  return max;
}

async function runFilter(
  ctx: Context,
  job: Extract<z.infer<typeof StyleJobSchema>, { kind: 'filter' }>,
) {
  const loaded = await loadFilter(job.filter);
  const runner = await compile(loaded.spec, ctx, { baseDir: loaded.baseDir });
  const step = loaded.spec.steps.find((s) => s.type === 'onnx.image') as { model?: unknown };
  if (typeof step?.model !== 'string')
    throw new Error(`${job.filter} has no onnx.image step with a model id`);
  const model = await ctx.models.resolve(step.model, loaded.baseDir);
  const session = await openSession(ctx, model, job.session);
  const photo = await loadPhoto(job.photo);
  const sizes: FilterSizeResult[] = [];
  try {
    for (const size of [...job.sizes].sort((a, b) => a - b)) {
      const image = atLongSide(photo, size);
      const jpeg = await encodeImage(image, { format: 'jpeg', quality: 92 });
      const input = preparedTensor(image);
      const stepTimes: { decodeMs: number; runMs: number; encodeMs: number }[] = [];
      const [whole, bare] = await alternate(
        [
          async () => {
            // the working size follows the photo, where the filter has that parameter
            const params = 'size' in loaded.spec.params ? { size } : {};
            const r = await applyToBytes(runner, jpeg, 'bench.jpg', { params });
            stepTimes.push(r.timings);
          },
          () => forward(session, input),
        ],
        job.runs,
        job.warmup,
      );
      const w = percentiles(whole!);
      const b = percentiles(bare!);
      const recorded = stepTimes.slice(job.warmup);
      const median = (k: 'decodeMs' | 'runMs' | 'encodeMs') =>
        percentiles(recorded.map((t) => t[k])).p50;
      sizes.push({
        size,
        input: { width: image.width, height: image.height },
        whole: w,
        bare: b,
        steps: {
          decodeMs: median('decodeMs'),
          runMs: median('runMs'),
          encodeMs: median('encodeMs'),
        },
        ratio: w.p50 / b.p50,
      });
    }
  } finally {
    await runner.dispose();
  }
  return { kind: 'filter' as const, model: model.manifest.id, sizes };
}

async function main(): Promise<void> {
  const raw = process.argv[2] ?? '';
  const job = StyleJobSchema.parse(
    JSON.parse(raw.startsWith('@') ? await readFile(raw.slice(1), 'utf8') : raw),
  );
  const ctx = createContext({ logger: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    const result: StyleJobResult =
      job.kind === 'model'
        ? await runModel(ctx, job)
        : job.kind === 'tfjs'
          ? await runTfjs(ctx, job)
          : await runFilter(ctx, job);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await disposeContext(ctx);
  }
}

await main();
