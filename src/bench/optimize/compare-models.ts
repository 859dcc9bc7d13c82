/**
 * Size, speed and output difference of optimized models against their float32 original, on one
 * photo. Runs alternate between the models, round by round, so that drift in the machine's speed
 * touches every model alike.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Context } from '../../core/context.js';
import type { Image } from '../../core/image/image.js';
import type { InstalledModel } from '../../core/models/store.js';
import { decodeModel } from '../../core/onnx/proto.js';
import type { OnnxSessionOptions } from '../../core/runtime/onnx.js';
import { OnnxImageModel } from '../../core/steps/onnx-image.js';
import { ssim } from '../../lab/metrics/ssim.js';
import { percentiles, type Percentiles } from '../percentiles.js';
import { weightStats } from './model-stats.js';

export interface CompareOptions {
  runs?: number;
  warmup?: number;
  session?: OnnxSessionOptions;
}

export interface ModelMeasurement {
  label: string;
  id: string;
  fileBytes: number;
  weightBytes: number;
  /** Milliseconds of one forward pass over the photo (through the model's I/O contract). */
  latency: Percentiles;
}

export interface OutputDifference {
  /** On pixel values in [0, 1]. */
  maxAbsDiff: number;
  meanAbsDiff: number;
  ssim: number;
}

export interface VariantMeasurement extends ModelMeasurement, OutputDifference {
  /** variant / original. */
  fileRatio: number;
  weightRatio: number;
  /** variant p50 / original p50: below 1 is faster. */
  latencyRatio: number;
}

export interface ModelComparison {
  photo: { width: number; height: number };
  original: ModelMeasurement;
  variants: VariantMeasurement[];
}

export async function compareModels(
  ctx: Context,
  original: InstalledModel,
  variants: readonly { label: string; model: InstalledModel }[],
  image: Image,
  o: CompareOptions = {},
): Promise<ModelComparison> {
  const all = [{ label: 'fp32', model: original }, ...variants];
  const loaded = await Promise.all(all.map((v) => load(ctx, v.model, o.session ?? {})));
  try {
    const outputs = await Promise.all(loaded.map((m) => m.runner.run(image, { fit: 'auto' })));
    const times = all.map(() => [] as number[]);
    const runs = o.runs ?? 10;
    for (let round = -(o.warmup ?? 2); round < runs; round++) {
      for (const [i, m] of loaded.entries()) {
        const started = performance.now();
        await m.runner.run(image, { fit: 'auto' });
        if (round >= 0) times[i]!.push(performance.now() - started);
      }
    }
    const measured = await Promise.all(
      all.map(async (v, i) => ({
        label: v.label,
        id: v.model.manifest.id,
        ...(await sizes(v.model)),
        latency: percentiles(times[i]!),
      })),
    );
    const base = measured[0]!;
    return {
      photo: { width: image.width, height: image.height },
      original: base,
      variants: measured.slice(1).map((m, i) => ({
        ...m,
        ...outputDifference(outputs[0]!, outputs[i + 1]!),
        fileRatio: m.fileBytes / base.fileBytes,
        weightRatio: m.weightBytes / base.weightBytes,
        latencyRatio: m.latency.p50 / base.latency.p50,
      })),
    };
  } finally {
    await Promise.all(loaded.map((m) => ctx.onnx.release(m.key)));
  }
}

export function outputDifference(a: Image, b: Image): OutputDifference {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { maxAbsDiff: max, meanAbsDiff: sum / a.data.length, ssim: ssim(a, b).ssim };
}

async function load(ctx: Context, model: InstalledModel, session: OnnxSessionOptions) {
  const s = await ctx.onnx.session({ path: model.entry, hash: model.hash }, session);
  return { key: s.key, runner: await OnnxImageModel.load(model, s) };
}

async function sizes(model: InstalledModel): Promise<{ fileBytes: number; weightBytes: number }> {
  const [info, bytes] = await Promise.all([stat(model.entry), readFile(model.entry)]);
  return { fileBytes: info.size, weightBytes: weightStats(decodeModel(bytes)).bytes };
}
