import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateImageModels,
  IMAGE_MODELS,
  LICENSE,
  TINY_FIXED64_GAINS,
} from '../../../scripts/fixtures/image-models.js';
import { FIXTURE_MODELS } from '../../../test/support/paths.js';
import { modelHash, readManifest } from '../models/manifest.js';
import { OnnxRuntime, type OnnxSession } from '../runtime/onnx.js';
import { float32, type Tensor } from '../tensor/tensor.js';
import { attr, GraphBuilder } from './graph-builder.js';
import {
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  int64ToNumber,
  tensorFromProto,
} from './proto.js';

// float16 bits of 1.5, -2, 0.25, 1, 0, 0.5
const HALF = new Uint16Array([0x3e00, 0xc000, 0x3400, 0x3c00, 0x0000, 0x3800]);
const HALF_VALUES = [1.5, -2, 0.25, 1, 0, 0.5];

/** A model that uses every initializer type and attribute kind the builder writes. */
function buildEveryKind(): GraphBuilder {
  const g = new GraphBuilder('every-kind', { opset: 17 });
  g.input('x', 'float32', [2, 'n']);
  g.output('y', 'float32', [2, 3]);
  g.output('padded', 'float32', [2, 'n_padded']);
  g.initializer('half', HALF, [2, 3]);
  g.initializer('ints', new Int32Array([1, 2, 3, -1, -2, -3]), [2, 3]);
  g.initializer('shape', new BigInt64Array([2n, 3n]), [2]);
  g.initializer('pads', new BigInt64Array([0n, 1n, 0n, 1n]), [4]);
  g.node('Constant', [], ['flat'], { value_floats: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5] });
  g.node('Constant', [], ['two'], { value_float: attr.float(2) });
  g.node('Reshape', ['flat', 'shape'], ['grid']);
  g.node('Cast', ['half'], ['half.f32'], { to: DataType.FLOAT });
  g.node('Cast', ['ints'], ['ints.f32'], { to: DataType.FLOAT });
  g.node('LeakyRelu', ['x'], ['leaky'], { alpha: 0.25 });
  g.node('Sum', ['leaky', 'grid', 'half.f32', 'ints.f32'], ['sum']);
  g.node('Mul', ['sum', 'two'], ['y']);
  g.node('Pad', ['x', 'pads'], ['padded'], { mode: 'edge' });
  return g;
}

describe('GraphBuilder', () => {
  it('writes a ModelProto that decodes and re-encodes to the same bytes', () => {
    const bytes = buildEveryKind().toBytes();
    const model = decodeModel(bytes);
    expect(encodeModel(model)).toEqual(bytes);
    expect(int64ToNumber(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, int64ToNumber(o.version)])).toEqual([['', 17]]);

    const graph = model.graph!;
    const dims = graph.input![0]!.type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || int64ToNumber(d.dimValue))).toEqual([2, 'n']);
    const init = Object.fromEntries(
      (graph.initializer ?? []).map((t) => [t.name, tensorFromProto(t)]),
    );
    expect(init.half).toEqual({ type: 'float16', dims: [2, 3], data: HALF });
    expect(init.ints).toEqual({
      type: 'int32',
      dims: [2, 3],
      data: new Int32Array([1, 2, 3, -1, -2, -3]),
    });
    expect(init.shape).toEqual({ type: 'int64', dims: [2], data: new BigInt64Array([2n, 3n]) });

    const attributes = (graph.node ?? []).flatMap((n) =>
      (n.attribute ?? []).map((a) => [a.name, a.type]),
    );
    expect(attributes).toEqual([
      ['value_floats', AttributeType.FLOATS],
      ['value_float', AttributeType.FLOAT],
      ['to', AttributeType.INT],
      ['to', AttributeType.INT],
      ['alpha', AttributeType.FLOAT],
      ['mode', AttributeType.STRING],
    ]);
  });

  it('runs in ONNX Runtime with every initializer type and attribute kind', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'filterlab-graph-'));
    const runtime = new OnnxRuntime();
    try {
      const file = path.join(dir, 'every-kind.onnx');
      const bytes = buildEveryKind().toBytes();
      await writeFile(file, bytes);
      const session = await runtime.session({ path: file, hash: sha256(bytes) });
      const x = [-4, 0, 2, 1, -1, 8];
      const out = await session.run({ x: float32(new Float32Array(x), [2, 3]) });
      const expected = x.map(
        (v, i) =>
          2 * ((v < 0 ? 0.25 * v : v) + (i + 0.5) + HALF_VALUES[i]! + [1, 2, 3, -1, -2, -3][i]!),
      );
      expect(out.y!.dims).toEqual([2, 3]);
      expectClose(out.y!.data as Float32Array, expected, 1e-6);
      expect(out.padded!.dims).toEqual([2, 5]);
      expect([...(out.padded!.data as Float32Array)]).toEqual([-4, -4, 0, 2, 2, 1, 1, -1, 8, 8]);
    } finally {
      await runtime.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a node input that nothing produces, naming the node', () => {
    const g = new GraphBuilder('dangling');
    g.input('x', 'float32', [1]);
    g.node('Relu', ['y'], ['z']);
    g.output('z', 'float32', [1]);
    expect(() => g.toBytes()).toThrow(/input of node relu_0 but received "y"/);
  });

  it('rejects bytes that are not a ModelProto', () => {
    const samples = [
      new Uint8Array(0),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), // a PNG signature
      new Uint8Array([0x08, 0x08]), // a valid ModelProto { irVersion: 8 } without a graph
    ];
    for (const bytes of samples)
      expect(() => decodeModel(bytes)).toThrow(
        expect.objectContaining({ code: 'FL_ERR_MODEL_LOAD' }),
      );
  });
});

describe('image model fixtures', () => {
  const runtime = new OnnxRuntime();
  const sessions = new Map<string, OnnxSession>();
  const weights = new Map<string, Record<string, Tensor>>();

  beforeAll(async () => {
    for (const { id } of IMAGE_MODELS) {
      const dir = path.join(FIXTURE_MODELS, id);
      const manifest = await readManifest(dir);
      const file = path.join(dir, 'model.onnx');
      sessions.set(id, await runtime.session({ path: file, hash: modelHash(manifest) }));
      const graph = decodeModel(await readFile(file)).graph!;
      weights.set(
        id,
        Object.fromEntries((graph.initializer ?? []).map((t) => [t.name, tensorFromProto(t)])),
      );
    }
  });
  afterAll(() => runtime.dispose());

  it('are generated byte for byte the same on every run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'filterlab-fixtures-'));
    try {
      await generateImageModels(dir);
      for (const { id } of IMAGE_MODELS) {
        for (const file of ['model.onnx', 'model.json']) {
          const fresh = await readFile(path.join(dir, id, file));
          expect(
            fresh.equals(await readFile(path.join(FIXTURE_MODELS, id, file))),
            `${id}/${file}`,
          ).toBe(true);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('carry manifests with the documented contracts', async () => {
    const conv = await readManifest(path.join(FIXTURE_MODELS, 'tiny-conv'));
    expect(conv.license).toBe(LICENSE);
    expect(conv.io).toMatchObject({
      input: { layout: 'nchw', range: [0, 1], channelOrder: 'rgb' },
      size: { kind: 'any' },
      scale: 1,
    });
    const up = await readManifest(path.join(FIXTURE_MODELS, 'tiny-upscale2x'));
    expect(up.io).toMatchObject({
      input: { layout: 'nhwc', range: [-1, 1] },
      output: { layout: 'nhwc', range: [-1, 1] },
      scale: 2,
    });
    const fixed = await readManifest(path.join(FIXTURE_MODELS, 'tiny-fixed64'));
    expect(fixed.io).toMatchObject({
      input: { channelOrder: 'bgr' },
      size: { kind: 'fixed', width: 64, height: 64 },
      tile: { size: 64, overlap: 8 },
    });
  });

  it('tiny-conv: dynamic H/W, equals a reference conv net, and edits mildly', async () => {
    const session = sessions.get('tiny-conv')!;
    expect(session.inputs[0]).toEqual({
      name: 'image',
      type: 'float32',
      shape: [1, 3, 'height', 'width'],
    });
    const w = weights.get('tiny-conv')!;
    const image = randomImage([1, 3, 5, 7], 0, 1, 11);
    const out = (await session.run({ image })).output!;
    expect(out.dims).toEqual([1, 3, 5, 7]);
    const expected = tinyConvReference(image, w);
    expectClose(out.data as Float32Array, expected.data, 1e-5);
    expect(meanAbsDiff(out.data as Float32Array, image.data)).toBeGreaterThan(0.001);
    expect(meanAbsDiff(out.data as Float32Array, image.data)).toBeLessThan(0.05);
    expectWithin(out.data as Float32Array, 0, 1);
  });

  it('tiny-conv: a constant grey image keeps a constant interior', async () => {
    const grey = float32(new Float32Array(3 * 8 * 8).fill(0.5), [1, 3, 8, 8]);
    const out = (await sessions.get('tiny-conv')!.run({ image: grey })).output!;
    const interior = [0, 1, 2].map((c) => out.data[c * 64 + 3 * 8 + 4] as number);
    // The same pixel from the decoded weights, and pinned so that a changed recipe shows here.
    const expected = tinyConvReference(grey, weights.get('tiny-conv')!);
    expectClose(
      new Float32Array(interior),
      [0, 1, 2].map((c) => expected.data[c * 64 + 3 * 8 + 4]!),
      1e-6,
    );
    expectClose(new Float32Array(interior), TINY_CONV_GREY, 1e-5);
  });

  it('tiny-upscale2x: NHWC in [-1,1], twice the size, equals bilinear + conv residual', async () => {
    const session = sessions.get('tiny-upscale2x')!;
    expect(session.inputs[0]!.shape).toEqual([1, 'height', 'width', 3]);
    const image = randomImage([1, 5, 7, 3], -1, 1, 12);
    const out = (await session.run({ image })).output!;
    expect(out.dims).toEqual([1, 10, 14, 3]);
    const w = weights.get('tiny-upscale2x')!;
    const up = resizeBilinear2x(toNchw(image));
    const residual = conv3x3(up, w['conv.weight']!, w['conv.bias']!, 1);
    const expected = toNhwc(clip(add(up, residual), -1, 1));
    expectClose(out.data as Float32Array, expected.data, 1e-5);
    expectWithin(out.data as Float32Array, -1, 1);
  });

  it('tiny-fixed64: runs 64x64 as smoothing times BGR gains and rejects other sizes', async () => {
    const session = sessions.get('tiny-fixed64')!;
    expect(session.inputs[0]!.shape).toEqual([1, 3, 64, 64]);
    const grey = float32(new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
    const out = (await session.run({ image: grey })).output!;
    expect(out.dims).toEqual([1, 3, 64, 64]);
    const at = (c: number, y: number, x: number): number =>
      out.data[c * 4096 + y * 64 + x] as number;
    expect([0, 1, 2].map((c) => at(c, 20, 30))).toEqual(
      TINY_FIXED64_GAINS.map((g) => Math.fround(0.5 * g)),
    );
    // Zero padding: a corner keeps 11/16 of its value, an edge 13/16: seams that tiles overlap to hide.
    expect(at(1, 0, 0)).toBeCloseTo(0.5 * (11 / 16), 6);
    expect(at(1, 0, 30)).toBeCloseTo(0.5 * (13 / 16), 6);

    const image = randomImage([1, 3, 64, 64], 0, 1, 13);
    const w = weights.get('tiny-fixed64')!;
    const smooth = conv3x3(image, w['smooth.weight']!, undefined, 3);
    const gains = smooth.data.map((v, i) => v * TINY_FIXED64_GAINS[Math.floor(i / 4096)]!);
    const res = (await session.run({ image })).output!;
    expectClose(res.data as Float32Array, clip(float32(gains, smooth.dims), 0, 1).data, 1e-6);

    const small = float32(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
    await expect(session.run({ image: small })).rejects.toMatchObject({ code: 'FL_ERR_INFERENCE' });
  });
});

/** tiny-conv's output at pixel (3, 4) of an 8x8 image of 0.5, measured with ONNX Runtime 1.30. */
const TINY_CONV_GREY = [0.5036656, 0.4754592, 0.4995885];

// --- reference implementations (NCHW, batch 1) ---

function tinyConvReference(image: Tensor<'float32'>, w: Record<string, Tensor>): Tensor<'float32'> {
  const hidden = conv3x3(image, w['conv1.weight']!, w['conv1.bias']!, 1);
  const relu = float32(
    hidden.data.map((v) => Math.max(0, v)),
    hidden.dims,
  );
  const delta = conv3x3(relu, w['conv2.weight']!, w['conv2.bias']!, 1);
  return clip(add(image, delta), 0, 1);
}

/** 3x3 convolution, stride 1, zero padding 1; `groups` = channels for depthwise. */
function conv3x3(
  x: Tensor<'float32'>,
  weight: Tensor,
  bias: Tensor | undefined,
  groups: number,
): Tensor<'float32'> {
  const [, cin, h, w] = x.dims as [number, number, number, number];
  const cout = weight.dims[0]!;
  const perGroupIn = cin / groups;
  const perGroupOut = cout / groups;
  const k = weight.data as Float32Array;
  const out = new Float32Array(cout * h * w);
  for (let o = 0; o < cout; o++) {
    const firstIn = Math.floor(o / perGroupOut) * perGroupIn;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        let sum = bias ? (bias.data[o] as number) : 0;
        for (let i = 0; i < perGroupIn; i++) {
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const sy = y + dy;
              const sx = xx + dx;
              if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
              sum +=
                k[((o * perGroupIn + i) * 3 + dy + 1) * 3 + dx + 1]! *
                x.data[((firstIn + i) * h + sy) * w + sx]!;
            }
          }
        }
        out[(o * h + y) * w + xx] = sum;
      }
    }
  }
  return float32(out, [1, cout, h, w]);
}

/** ONNX Resize, mode linear, half_pixel coordinates, scale 2 (source positions clamped). */
function resizeBilinear2x(x: Tensor<'float32'>): Tensor<'float32'> {
  const [, c, h, w] = x.dims as [number, number, number, number];
  const out = new Float32Array(c * 4 * h * w);
  const source = (i: number, n: number): [number, number, number] => {
    const s = Math.min(Math.max((i + 0.5) / 2 - 0.5, 0), n - 1);
    const lo = Math.floor(s);
    return [lo, Math.min(lo + 1, n - 1), s - lo];
  };
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < 2 * h; y++) {
      const [y0, y1, fy] = source(y, h);
      for (let xx = 0; xx < 2 * w; xx++) {
        const [x0, x1, fx] = source(xx, w);
        const p = (yy: number, xp: number): number => x.data[(ch * h + yy) * w + xp]!;
        const top = p(y0, x0) * (1 - fx) + p(y0, x1) * fx;
        const bottom = p(y1, x0) * (1 - fx) + p(y1, x1) * fx;
        out[(ch * 2 * h + y) * 2 * w + xx] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return float32(out, [1, c, 2 * h, 2 * w]);
}

function toNchw(x: Tensor<'float32'>): Tensor<'float32'> {
  const [, h, w, c] = x.dims as [number, number, number, number];
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < h * w; i++)
    for (let ch = 0; ch < c; ch++) out[ch * h * w + i] = x.data[i * c + ch]!;
  return float32(out, [1, c, h, w]);
}

function toNhwc(x: Tensor<'float32'>): Tensor<'float32'> {
  const [, c, h, w] = x.dims as [number, number, number, number];
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < h * w; i++)
    for (let ch = 0; ch < c; ch++) out[i * c + ch] = x.data[ch * h * w + i]!;
  return float32(out, [1, h, w, c]);
}

function add(a: Tensor<'float32'>, b: Tensor<'float32'>): Tensor<'float32'> {
  return float32(
    a.data.map((v, i) => v + b.data[i]!),
    a.dims,
  );
}

function clip(x: Tensor<'float32'>, lo: number, hi: number): Tensor<'float32'> {
  return float32(
    x.data.map((v) => Math.min(Math.max(v, lo), hi)),
    x.dims,
  );
}

// --- helpers ---

function randomImage(dims: number[], lo: number, hi: number, seed: number): Tensor<'float32'> {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return float32(
    Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * next()),
    dims,
  );
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function expectWithin(data: Float32Array, lo: number, hi: number): void {
  expect(Math.min(...data)).toBeGreaterThanOrEqual(lo);
  expect(Math.max(...data)).toBeLessThanOrEqual(hi);
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
