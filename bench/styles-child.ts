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
import { compile } from '../src/core/filters/compile.js';
import { loadFilter } from '../src/core/filters/load.js';
import { decodeImage } from '../src/core/image/decode.js';
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
  cpuP50Ms: number;
  /** Process peak RSS (getrusage) after this size's runs; sizes run smallest first. */
  peakRssMb: number;
}

export interface TfjsSizeResult {
  size: number;
  input: { width: number; height: number };
  onnx: Percentiles;
  onnxCpuP50Ms: number;
  /** Undefined when tfjs failed at this size (see error). */
  tfjs?: Percentiles;
  tfjsCpuP50Ms?: number;
  error?: string;
  /** tfjs p50 / ONNX p50. */
  ratio?: number;
  /** max |ONNX - tfjs| over the output, in 0..255 levels. */
  maxAbsDiff?: number;
}

export interface FilterSizeResult {
  size: number;
  input: { width: number; height: number };
  /** The JPEG decoded, filtered and encoded (what applyToBytes does). */
  whole: Percentiles;
  wholeCpuP50Ms: number;
  /** session.run of the filter's model on the prepared tensor. */
  bare: Percentiles;
  bareCpuP50Ms: number;
  /** p50 of each part of the whole run: decode, each filter step, encode. */
  parts: { name: string; p50Ms: number }[];
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

/**
 * Alternate `fns` round by round (warm-up rounds unrecorded). Per fn: wall-clock ms, and the CPU
 * ms (user + system, every thread of the process) each call used: steadier than wall time when
 * other processes share the cores.
 */
async function alternate(
  fns: readonly (() => Promise<unknown>)[],
  runs: number,
  warmup: number,
): Promise<{ wall: Percentiles; cpuP50Ms: number }[]> {
  const wall = fns.map(() => [] as number[]);
  const cpu = fns.map(() => [] as number[]);
  for (let round = -warmup; round < runs; round++) {
    for (const [i, fn] of fns.entries()) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await fn();
      if (round < 0) continue;
      wall[i]!.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu[i]!.push((used.user + used.system) / 1000);
    }
  }
  return fns.map((_, i) => ({ wall: percentiles(wall[i]!), cpuP50Ms: percentiles(cpu[i]!).p50 }));
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
    const [m] = await alternate([() => forward(session, input)], job.runs, job.warmup);
    sizes.push({
      size,
      input: { width: image.width, height: image.height },
      latency: m!.wall,
      cpuP50Ms: m!.cpuP50Ms,
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
        const [o, t] = await alternate([onnxRun, tfjsRun], job.runs, job.warmup);
        sizes.push({
          size,
          input: inputSize,
          onnx: o!.wall,
          onnxCpuP50Ms: o!.cpuP50Ms,
          tfjs: t!.wall,
          tfjsCpuP50Ms: t!.cpuP50Ms,
          ratio: t!.wall.p50 / o!.wall.p50,
          maxAbsDiff: maxDiffNchwHwc(onnxOut!, tfjsOut!, padded.width * padded.height),
        });
      } catch (error) {
        // tfjs-wasm runs out of its 4 GB heap on large inputs; ONNX alone is measured then
        const [o] = await alternate([onnxRun], job.runs, 0);
        sizes.push({
          size,
          input: inputSize,
          onnx: o!.wall,
          onnxCpuP50Ms: o!.cpuP50Ms,
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
      // the working size follows the photo, where the filter has that parameter
      const params = 'size' in loaded.spec.params ? { size } : {};
      const parts: { name: string; ms: number }[][] = [];
      const [whole, bare] = await alternate(
        [
          async () => {
            // applyToBytes's path (decode → runner.run → encode), timed part by part
            const t0 = performance.now();
            const { image: decoded } = await decodeImage(jpeg, { name: 'bench.jpg' });
            const t1 = performance.now();
            const r = await runner.run(decoded, { params });
            const t2 = performance.now();
            await encodeImage(r.image, { format: runner.spec.output.format });
            parts.push([
              { name: 'decode', ms: t1 - t0 },
              ...r.timings.map((t) => ({ name: t.type, ms: t.ms })),
              { name: 'encode', ms: performance.now() - t2 },
            ]);
          },
          () => forward(session, input),
        ],
        job.runs,
        job.warmup,
      );
      const recorded = parts.slice(job.warmup);
      sizes.push({
        size,
        input: { width: image.width, height: image.height },
        whole: whole!.wall,
        wholeCpuP50Ms: whole!.cpuP50Ms,
        bare: bare!.wall,
        bareCpuP50Ms: bare!.cpuP50Ms,
        parts: recorded[0]!.map((part, i) => ({
          name: part.name,
          p50Ms: percentiles(recorded.map((r) => r[i]!.ms)).p50,
        })),
        ratio: whole!.wall.p50 / bare!.wall.p50,
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
