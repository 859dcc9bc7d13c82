/**
 * Import a fast style-transfer network from a deeplearn.js checkpoint (manifest.json + one raw
 * little-endian float32 file per variable, as ml5 publishes them) into an installed ONNX model.
 * The network is in style-network.ts; the checkpoint is checked against it completely before
 * anything is written, and the model folder appears in the store only once it is whole.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../../errors.js';
import { GraphBuilder, attr } from '../../onnx/graph-builder.js';
import { float32ToFloat16 } from '../../tensor/float16.js';
import { formatZodError } from '../../zod-errors.js';
import { ModelIdSchema, readManifestJson, writeManifest, type ImageIo } from '../manifest.js';
import { defaultModelsDir, ModelStore, type InstalledModel } from '../store.js';
import {
  expectedVariables,
  INSTANCE_NORM_EPSILON,
  OUTPUT_OFFSET,
  OUTPUT_SCALE,
  RESIDUAL_BLOCKS,
  SIZE_MULTIPLE,
  STYLE_LAYERS,
  variableName,
  type StyleConvLayer,
} from './style-network.js';

export const CHECKPOINT_MANIFEST = 'manifest.json';

/** One variable of a checkpoint: its TF shape and row-major float32 values. */
export interface CheckpointVariable {
  shape: readonly number[];
  data: Float32Array;
}

export interface StyleCheckpoint {
  /** Absolute checkpoint folder. */
  dir: string;
  /** Every variable of the network by name ("Variable", "Variable_1", …), shapes checked. */
  variables: ReadonlyMap<string, CheckpointVariable>;
}

const CheckpointManifestSchema = z.record(
  z.string(),
  z.object({
    filename: z.string().min(1),
    shape: z.array(z.number().int().nonnegative()),
  }),
);

/**
 * Read and check a checkpoint: every variable the network needs is in manifest.json with the
 * network's shape, its file holds exactly that many float32 values, all finite.
 */
export async function readStyleCheckpoint(dir: string): Promise<StyleCheckpoint> {
  const root = path.resolve(dir);
  const manifestFile = path.join(root, CHECKPOINT_MANIFEST);
  const entries = await readCheckpointManifest(manifestFile);
  const expected = expectedVariables();
  const wanted = new Set(expected.map((v) => v.name));
  const extra = Object.keys(entries).filter((name) => !wanted.has(name));
  if (extra.length) {
    throw manifestError(
      manifestFile,
      `Expected the ${expected.length} variables of the fast style-transfer network in ${manifestFile} but it also lists ${extra.join(', ')}; this is a different network`,
    );
  }
  const variables = new Map<string, CheckpointVariable>();
  for (const v of expected) {
    const entry = entries[v.name];
    if (!entry) {
      throw manifestError(
        manifestFile,
        `Expected ${v.name} (${v.role}, shape [${v.shape.join(', ')}]) in ${manifestFile} but it is missing`,
      );
    }
    if (!sameShape(entry.shape, v.shape)) {
      throw manifestError(
        manifestFile,
        `Expected ${v.name} (${v.role}) to have shape [${v.shape.join(', ')}] but ${manifestFile} gives [${entry.shape.join(', ')}]`,
      );
    }
    const file = path.resolve(root, entry.filename);
    if (path.dirname(file) !== root) {
      throw manifestError(
        manifestFile,
        `Expected the file of ${v.name} to be a plain file name inside ${root} but received ${JSON.stringify(entry.filename)}`,
      );
    }
    variables.set(v.name, { shape: v.shape, data: await readFloat32File(file, v.shape, v.name) });
  }
  return { dir: root, variables };
}

async function readCheckpointManifest(
  file: string,
): Promise<z.infer<typeof CheckpointManifestSchema>> {
  const json = await readManifestJson(file, 'a deeplearn.js checkpoint manifest');
  const parsed = CheckpointManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw manifestError(
      file,
      `Invalid checkpoint manifest ${file}: ${formatZodError(parsed.error)}`,
      parsed.error,
    );
  }
  return parsed.data;
}

async function readFloat32File(
  file: string,
  shape: readonly number[],
  name: string,
): Promise<Float32Array> {
  const count = shape.reduce((a, b) => a * b, 1);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected the weights of ${name} at ${file} but the file cannot be read`,
      { cause, details: { file, variable: name } },
    );
  }
  if (bytes.byteLength !== count * 4) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected ${count * 4} bytes (float32 [${shape.join(', ')}]) in ${file} but it has ${bytes.byteLength}` +
        (bytes.byteLength < count * 4 ? ' (truncated)' : ''),
      { details: { file, variable: name, expectedBytes: count * 4, bytes: bytes.byteLength } },
    );
  }
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw manifestError(
      file,
      `Expected finite weights in ${file} (${name}) but value ${bad} is ${data[bad]}`,
    );
  }
  return data;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function manifestError(file: string, message: string, cause?: unknown): FilterlabError {
  return new FilterlabError('FL_ERR_MODEL_MANIFEST', message, {
    ...(cause === undefined ? {} : { cause }),
    details: { file },
  });
}

export interface BuildStyleOnnxOptions {
  /** Store conv kernels as float16 (half the file); arithmetic stays float32 through a Cast. */
  fp16?: boolean;
}

/** Graph input and output names. */
export const STYLE_INPUT = 'image';
export const STYLE_OUTPUT = 'stylized';

/**
 * The ONNX graph of the network: NCHW float32 RGB 0..255 in and out, any height and width
 * (even sizes at both stride-2 layers give an output of the input's size; see SIZE_MULTIPLE).
 * TF "SAME" padding is SAME_UPPER for convs (the odd pad row/column at the bottom/right) and
 * pads [0, 0, 1, 1] for the transposed ones, which then double the size exactly.
 */
export function buildStyleTransferOnnx(
  checkpoint: StyleCheckpoint,
  options: BuildStyleOnnxOptions = {},
): Uint8Array {
  const g = new GraphBuilder('fast_style_transfer', {
    opset: 17,
    docString: 'Fast style transfer (Johnson et al. 2016), imported from a deeplearn.js checkpoint',
  });
  g.input(STYLE_INPUT, 'float32', [1, 3, 'height', 'width']);
  g.output(STYLE_OUTPUT, 'float32', [1, 3, 'height', 'width']);
  const layer = (id: number) => STYLE_LAYERS.find((l) => l.id === id)!;
  const run = (id: number, x: string) => convBlock(g, checkpoint, layer(id), x, options);

  let x = run(6, run(3, run(0, STYLE_INPUT)));
  for (const id of RESIDUAL_BLOCKS) {
    const branch = run(id + 3, run(id, x));
    g.node('Add', [x, branch], [`res${id}_sum`]);
    x = `res${id}_sum`;
  }
  x = run(45, run(42, run(39, x)));
  g.initializer('out_scale', Float32Array.of(OUTPUT_SCALE), []);
  g.initializer('out_offset', Float32Array.of(OUTPUT_OFFSET), []);
  g.initializer('out_min', Float32Array.of(0), []);
  g.initializer('out_max', Float32Array.of(255), []);
  g.node('Tanh', [x], ['out_tanh']);
  g.node('Mul', ['out_tanh', 'out_scale'], ['out_scaled']);
  g.node('Add', ['out_scaled', 'out_offset'], ['out_shifted']);
  g.node('Clip', ['out_shifted', 'out_min', 'out_max'], [STYLE_OUTPUT]);
  return g.toBytes();
}

/** conv or conv-transpose (no bias) → instance norm → optional relu; returns the output name. */
function convBlock(
  g: GraphBuilder,
  checkpoint: StyleCheckpoint,
  layer: StyleConvLayer,
  input: string,
  options: BuildStyleOnnxOptions,
): string {
  const name = variableName(layer.id);
  const kernel = checkpoint.variables.get(name)!;
  // TF [k, k, in, out] → ONNX Conv [out, in, k, k]; TF transpose [k, k, out, in] → ONNX
  // ConvTranspose [in, out, k, k]: the same permutation in both cases.
  const dims = [kernel.shape[3]!, kernel.shape[2]!, kernel.shape[0]!, kernel.shape[1]!];
  const weights = permuteKernel(kernel.data, kernel.shape);
  const w = `w${layer.id}`;
  if (options.fp16) {
    g.initializer(`${w}_f16`, float32ToFloat16(weights), dims);
    g.node('Cast', [`${w}_f16`], [w], { to: 1 /* FLOAT */ });
  } else g.initializer(w, weights, dims);

  const conv = `conv${layer.id}`;
  const k = layer.kernel;
  if (layer.kind === 'conv') {
    g.node('Conv', [input, w], [conv], {
      kernel_shape: [k, k],
      strides: [layer.stride, layer.stride],
      auto_pad: 'SAME_UPPER',
    });
  } else {
    g.node('ConvTranspose', [input, w], [conv], {
      kernel_shape: [k, k],
      strides: [layer.stride, layer.stride],
      pads: [0, 0, 1, 1],
    });
  }
  const shift = checkpoint.variables.get(variableName(layer.id + 1))!;
  const scale = checkpoint.variables.get(variableName(layer.id + 2))!;
  g.initializer(`in${layer.id}_scale`, scale.data, [layer.out]);
  g.initializer(`in${layer.id}_shift`, shift.data, [layer.out]);
  const norm = `in${layer.id}`;
  g.node('InstanceNormalization', [conv, `in${layer.id}_scale`, `in${layer.id}_shift`], [norm], {
    epsilon: attr.float(INSTANCE_NORM_EPSILON),
  });
  if (!layer.relu) return norm;
  g.node('Relu', [norm], [`relu${layer.id}`]);
  return `relu${layer.id}`;
}

/** [a, b, c, d] row-major → [d, c, a, b]. */
function permuteKernel(data: Float32Array, shape: readonly number[]): Float32Array {
  const [a, b, c, d] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  let i = 0;
  for (let ia = 0; ia < a; ia++)
    for (let ib = 0; ib < b; ib++)
      for (let ic = 0; ic < c; ic++)
        for (let id = 0; id < d; id++) out[((id * c + ic) * a + ia) * b + ib] = data[i++]!;
  return out;
}

/**
 * The I/O contract written into model.json. The network takes instance-norm statistics over the
 * whole image, so it is never tiled: a photo larger than `maxSide` is resized down for the model
 * and the result back up; sizes are padded to SIZE_MULTIPLE and cropped back.
 */
export const STYLE_TRANSFER_IO: ImageIo = {
  input: { layout: 'nchw', range: [0, 255], channelOrder: 'rgb' },
  output: { layout: 'nchw', range: [0, 255], channelOrder: 'rgb' },
  size: { kind: 'multiple', of: SIZE_MULTIPLE },
  maxSide: 1024,
  minSide: 16,
  wholeImage: true,
  scale: 1,
};

export interface ImportStyleOptions {
  id: string;
  fp16?: boolean;
  /** Models folder to install into; default $FILTERLAB_MODELS or the user's data folder. */
  modelsDir?: string;
  /** Recorded in model.json; default: the checkpoint folder, plus the provenance file if found. */
  source?: string;
  description?: string;
}

/** Files copied next to the model when found in the checkpoint folder or its parent. */
const LICENSE_FILE = 'LICENSE';
const PROVENANCE_FILE = 'README.md';
const PROVENANCE_TARGET = 'PROVENANCE.md';

/**
 * Read a checkpoint, build its ONNX model and install it as `<modelsDir>/<id>` with model.json,
 * LICENSE and PROVENANCE.md. The folder is written beside the store and renamed into place, so
 * a failure at any point leaves the store as it was.
 */
export async function importStyleTransfer(
  dir: string,
  options: ImportStyleOptions,
): Promise<InstalledModel> {
  const id = ModelIdSchema.safeParse(options.id);
  if (!id.success) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected a model id of lowercase letters, digits, ".", "_" or "-" for --id but received ${JSON.stringify(options.id)}`,
    );
  }
  const checkpoint = await readStyleCheckpoint(dir);
  const license = await findBeside(checkpoint.dir, LICENSE_FILE);
  if (!license) {
    throw new FilterlabError(
      'FL_ERR_MODEL_MANIFEST',
      `Expected a ${LICENSE_FILE} file in ${checkpoint.dir} or its parent folder (the weights' licence travels with the model) but found none`,
      { details: { dir: checkpoint.dir } },
    );
  }
  const provenance = await findBeside(checkpoint.dir, PROVENANCE_FILE);
  const onnx = buildStyleTransferOnnx(checkpoint, { fp16: options.fp16 ?? false });

  const store = new ModelStore(options.modelsDir ?? defaultModelsDir());
  const target = path.join(store.root, id.data);
  const staging = path.join(store.root, `.import-${id.data}-${randomUUID().slice(0, 8)}`);
  try {
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, 'model.onnx'), onnx);
    await writeFile(path.join(staging, LICENSE_FILE), await readFile(license));
    if (provenance)
      await writeFile(path.join(staging, PROVENANCE_TARGET), await readFile(provenance));
    await writeManifest(staging, {
      id: id.data,
      version: '1',
      format: 'onnx',
      license: licenseName(await readFile(license, 'utf8')),
      description:
        options.description ??
        `Fast style transfer (Johnson et al. 2016) from the deeplearn.js checkpoint ${path.basename(checkpoint.dir)}` +
          (options.fp16 ? ', float16 weights' : ''),
      source:
        options.source ??
        `deeplearn.js checkpoint ${path.basename(checkpoint.dir)}, imported by \`filterlab models import style-transfer\`` +
          (provenance ? `; provenance in ${PROVENANCE_TARGET}` : ''),
      entry: 'model.onnx',
      io: STYLE_TRANSFER_IO,
      files: ['model.onnx', LICENSE_FILE, ...(provenance ? [PROVENANCE_TARGET] : [])],
    });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error instanceof FilterlabError
      ? error
      : new FilterlabError('FL_ERR_IO', `Could not write model ${id.data} into ${store.root}`, {
          cause: error,
        });
  }
  return store.resolve(id.data);
}

async function findBeside(dir: string, name: string): Promise<string | undefined> {
  for (const candidate of [path.join(dir, name), path.join(path.dirname(dir), name)]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
  }
  return undefined;
}

/** "MIT" for an MIT licence text, otherwise a pointer to the copied file. */
function licenseName(text: string): string {
  return /^\s*MIT License/i.test(text) || /Permission is hereby granted, free of charge/.test(text)
    ? 'MIT'
    : 'see LICENSE';
}
