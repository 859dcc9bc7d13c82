/**
 * An independent implementation of the fast style transfer network (Johnson et al. 2016, as
 * trained by Engstrom's fast-style-transfer and published by ml5), on tfjs-core with the wasm
 * backend: the way ml5 ran these deeplearn.js checkpoints in the browser. It is the reference
 * the ONNX importer is tested against (src/core/models/import/style-transfer.ref.test.ts) and
 * the peer that `npm run bench:styles` times ONNX against.
 *
 * Independent on purpose: its own checkpoint reader, tfjs's own TF-semantics ops (SAME padding,
 * conv2dTranspose with the [kh, kw, out, in] filter as TensorFlow stores it, moments for
 * instance norm). Nothing is shared with the importer but the README's description.
 *
 * Why here and not in src/: product code reaches tfjs only through src/core/runtime/tfjs.ts
 * (ESLint layer rule), which runs graph models and has no op-level API. A test and a bench
 * both need this network; bench/ may import tfjs (eslint.config.js), and the backend is started
 * through TfjsRuntime, so that setWasmPaths happens once in the process, whoever comes first.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { FilterlabError } from '../../src/core/errors.js';
import { createImage, exactRgb8, type Image } from '../../src/core/image/image.js';
import { TfjsRuntime } from '../../src/core/runtime/tfjs.js';
import { formatZodError } from '../../src/core/zod-errors.js';

/** One checkpoint variable: row-major float32 values in `shape`. */
export interface Variable {
  shape: number[];
  data: Float32Array;
}

const CheckpointManifestSchema = z.record(
  z.string(),
  z.object({ filename: z.string().min(1), shape: z.array(z.number().int().nonnegative()) }),
);

/** The shapes the network needs (kernel, and its channel count for shift/scale). */
function expectedShapes(): Map<string, number[]> {
  const conv = (k: number, cin: number, cout: number): [number, number, number, number] => [
    k,
    k,
    cin,
    cout,
  ];
  const kernels: [number, number[]][] = [
    [0, conv(9, 3, 32)],
    [3, conv(3, 32, 64)],
    [6, conv(3, 64, 128)],
    ...[9, 12, 15, 18, 21, 24, 27, 30, 33, 36].map((id): [number, number[]] => [
      id,
      conv(3, 128, 128),
    ]),
    [39, [3, 3, 64, 128]], // conv2d_transpose: [kh, kw, out, in]
    [42, [3, 3, 32, 64]],
    [45, conv(9, 32, 3)],
  ];
  const shapes = new Map<string, number[]>();
  for (const [id, shape] of kernels) {
    const channels = id === 39 || id === 42 ? shape[2]! : shape[3]!;
    shapes.set(varName(id), shape);
    shapes.set(varName(id + 1), [channels]);
    shapes.set(varName(id + 2), [channels]);
  }
  return shapes;
}

const varName = (id: number) => (id === 0 ? 'Variable' : `Variable_${id}`);

/** Reads a deeplearn.js checkpoint: manifest.json + one raw little-endian float32 file per variable. */
export async function readDeeplearnCheckpoint(dir: string): Promise<Map<string, Variable>> {
  const manifestFile = path.join(dir, 'manifest.json');
  const parsed = CheckpointManifestSchema.safeParse(
    JSON.parse(await readFile(manifestFile, 'utf8')),
  );
  if (!parsed.success) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected a deeplearn.js manifest at ${manifestFile}: ${formatZodError(parsed.error)}`,
      { details: { file: manifestFile } },
    );
  }
  const vars = new Map<string, Variable>();
  for (const [name, shape] of expectedShapes()) {
    const entry = parsed.data[name];
    const have = entry?.shape.join('x');
    if (!entry || have !== shape.join('x')) {
      throw new FilterlabError(
        'FL_ERR_MODEL_LOAD',
        `Expected ${name} of shape ${shape.join('x')} in ${manifestFile} but found ${have ?? 'none'}`,
        { details: { file: manifestFile } },
      );
    }
    const file = path.join(dir, entry.filename);
    const bytes = await readFile(file);
    const count = shape.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== count * 4) {
      throw new FilterlabError(
        'FL_ERR_MODEL_LOAD',
        `Expected ${count * 4} bytes (${count} float32) in ${file} but it has ${bytes.byteLength}`,
        { details: { file } },
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    vars.set(name, { shape, data });
  }
  return vars;
}

/** Starts tfjs's wasm backend through the project's seam (one setWasmPaths per process). */
export async function startTfjsBackend(): Promise<{ backend: string; simd: boolean }> {
  const info = await new TfjsRuntime().backendInfo();
  return { backend: info.backend, simd: info.simd };
}

// The three building blocks, exported for the hand-computed checks of the reference's tests.

/** TF conv2d, SAME padding (for stride 2 the extra row/column goes bottom/right), no bias. */
export function conv(x: tf.Tensor3D, filter: tf.Tensor4D, stride: number): tf.Tensor3D {
  return tf.conv2d(x, filter, stride, 'same');
}

/** TF conv2d_transpose, SAME, output size = stride x input; filter [kh, kw, out, in]. */
export function convTranspose(x: tf.Tensor3D, filter: tf.Tensor4D, stride: number): tf.Tensor3D {
  const [h, w] = x.shape;
  return tf.conv2dTranspose(x, filter, [h * stride, w * stride, filter.shape[2]], stride, 'same');
}

/** Per channel over the whole image: scale * (x - mean) / sqrt(var + 1e-3) + shift (population var). */
export function instanceNorm(x: tf.Tensor3D, shift: tf.Tensor1D, scale: tf.Tensor1D): tf.Tensor3D {
  const { mean, variance } = tf.moments(x, [0, 1], true);
  return tf.add(tf.mul(scale, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3)))), shift);
}

export class TfjsStyleTransfer {
  private constructor(private readonly weights: Map<string, tf.Tensor>) {}

  /** Loads a checkpoint folder (manifest.json + Variable files) and starts the backend. */
  static async load(dir: string): Promise<TfjsStyleTransfer> {
    const vars = await readDeeplearnCheckpoint(dir);
    await startTfjsBackend();
    const weights = new Map<string, tf.Tensor>();
    for (const [name, v] of vars) weights.set(name, tf.tensor(v.data, v.shape, 'float32'));
    return new TfjsStyleTransfer(weights);
  }

  /**
   * HxWx3 RGB in 0..255 -> RGB in 0..255 (unrounded floats, as the network leaves them). The
   * output is 4 x ceil(ceil(H/2)/2) rows by the same rule for columns: larger than the input
   * unless H and W are multiples of 4, as when ml5 ran it.
   */
  async stylizePixels(
    pixels: Float32Array,
    width: number,
    height: number,
  ): Promise<{ data: Float32Array; width: number; height: number }> {
    if (pixels.length !== width * height * 3) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected ${width}x${height}x3 = ${width * height * 3} pixel values but received ${pixels.length}`,
      );
    }
    const out = tf.tidy(() => this.forward(tf.tensor3d(pixels, [height, width, 3])));
    try {
      const [h, w] = out.shape;
      return { data: (await out.data()) as Float32Array, width: w, height: h };
    } finally {
      out.dispose();
    }
  }

  /** An image (floats in [0, 1]) through the network; the result as an image in [0, 1]. */
  async stylize(image: Image): Promise<Image> {
    const out = await this.stylizePixels(toPixels255(image), image.width, image.height);
    for (let i = 0; i < out.data.length; i++) out.data[i]! /= 255;
    return createImage(out.width, out.height, out.data);
  }

  dispose(): void {
    for (const t of this.weights.values()) t.dispose();
    this.weights.clear();
  }

  private w<R extends tf.Rank>(id: number): tf.Tensor<R> {
    return this.weights.get(varName(id)) as tf.Tensor<R>;
  }

  private norm(x: tf.Tensor3D, id: number): tf.Tensor3D {
    return instanceNorm(x, this.w(id + 1), this.w(id + 2));
  }

  private convLayer(x: tf.Tensor3D, id: number, stride: number, relu: boolean): tf.Tensor3D {
    const y = this.norm(conv(x, this.w(id), stride), id);
    return relu ? tf.relu(y) : y;
  }

  private forward(x: tf.Tensor3D): tf.Tensor3D {
    let h = this.convLayer(x, 0, 1, true);
    h = this.convLayer(h, 3, 2, true);
    h = this.convLayer(h, 6, 2, true);
    for (const k of [9, 15, 21, 27, 33]) {
      const r = this.convLayer(this.convLayer(h, k, 1, true), k + 3, 1, false);
      h = tf.add(h, r);
    }
    h = tf.relu(this.norm(convTranspose(h, this.w(39), 2), 39));
    h = tf.relu(this.norm(convTranspose(h, this.w(42), 2), 42));
    const y = this.norm(conv(h, this.w(45), 1), 45);
    return tf.clipByValue(tf.add<tf.Tensor3D>(tf.mul(tf.tanh(y), 150), 127.5), 0, 255);
  }
}

/** The image's pixels as 0..255 floats, exact when the image is still its 8-bit decode. */
export function toPixels255(image: Image): Float32Array {
  const bytes = exactRgb8(image);
  return bytes ? Float32Array.from(bytes) : image.data.map((v) => v * 255);
}
