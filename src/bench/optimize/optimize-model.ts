/** Write an optimized copy of an installed ONNX model as a new model folder with a manifest. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../../core/errors.js';
import { writeManifest, type ModelManifest } from '../../core/models/manifest.js';
import type { InstalledModel } from '../../core/models/store.js';
import { decodeModel, encodeModel, type ModelProto } from '../../core/onnx/proto.js';
import { convertToFloat16 } from './fp16.js';
import { quantizeInt8 } from './int8.js';

/**
 * fp16: float16 arithmetic (see fp16.ts); fp16-weights: float16 storage, float32 arithmetic;
 * int8: int8 weights + DequantizeLinear; int8-integer: ConvInteger / MatMulInteger.
 */
export const PRECISIONS = ['fp32', 'fp16', 'fp16-weights', 'int8', 'int8-integer'] as const;
export type Precision = (typeof PRECISIONS)[number];

type Transform = (m: ModelProto, o: OptimizeOptions) => ModelProto;

const TRANSFORMS: Record<Exclude<Precision, 'fp32'>, Transform> = {
  fp16: (m) => convertToFloat16(m, { mode: 'compute' }),
  'fp16-weights': (m) => convertToFloat16(m, { mode: 'weights' }),
  int8: (m, o) => quantizeInt8(m, { form: 'qdq', perChannel: o.perChannel ?? true }),
  'int8-integer': (m, o) => quantizeInt8(m, { form: 'integer', perChannel: o.perChannel ?? true }),
};

const MODEL_FILE = 'model.onnx';

export interface OptimizeOptions {
  precision: Exclude<Precision, 'fp32'>;
  /** Folder to write; created if missing. */
  outDir: string;
  /** Id of the new model; default `<id>-<precision>`. */
  id?: string;
  /** int8: one scale per output channel (default) or one per weight tensor. */
  perChannel?: boolean;
}

export interface OptimizedModel {
  dir: string;
  manifest: ModelManifest;
}

export async function optimizeModel(
  model: InstalledModel,
  options: OptimizeOptions,
): Promise<OptimizedModel> {
  const { manifest } = model;
  if (manifest.format !== 'onnx') {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a single-file onnx model to optimize but ${manifest.id} is ${manifest.format}`,
    );
  }
  const source = decodeModel(await readFile(model.entry));
  const optimized = TRANSFORMS[options.precision](source, options);
  const dir = path.resolve(options.outDir);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, MODEL_FILE), encodeModel(optimized));
  const written = await writeManifest(dir, {
    id: options.id ?? `${manifest.id}-${options.precision}`,
    version: manifest.version,
    format: 'onnx',
    description: `${options.precision} of ${manifest.id}@${manifest.version} (${model.hash.slice(0, 12)})${manifest.description ? `: ${manifest.description}` : ''}`,
    license: manifest.license,
    source: `filterlab models optimize --${options.precision} of ${manifest.source ?? manifest.id}`,
    entry: MODEL_FILE,
    files: [MODEL_FILE],
    ...(manifest.io ? { io: manifest.io } : {}),
  });
  return { dir, manifest: written };
}
