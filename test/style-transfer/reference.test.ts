/**
 * The tfjs reference of the style network (bench/peers/style-transfer-tfjs.ts) checked on its
 * own, before it is used to judge the ONNX importer: each building block against values
 * worked out by hand, and the whole network on a real checkpoint against a third, plain-loop
 * implementation in float64 below (tiny input: the loops are slow but the sizes are 12x8).
 */
import { cp, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conv,
  convTranspose,
  instanceNorm,
  readDeeplearnCheckpoint,
  startTfjsBackend,
  TfjsStyleTransfer,
  type Variable,
} from '../../bench/peers/style-transfer-tfjs.js';
import { errorOf } from '../support/error-of.js';
import { STYLE_CHECKPOINTS } from './paths.js';

const WAVE = path.join(STYLE_CHECKPOINTS, 'wave');

beforeAll(async () => {
  expect((await startTfjsBackend()).backend).toBe('wasm');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('reference building blocks, by hand', () => {
  it('conv stride 2 SAME puts the extra padding row/column at the bottom/right', () => {
    const x = tf.tensor3d(
      Array.from({ length: 16 }, (_, i) => i),
      [4, 4, 1],
    );
    // centre tap: output (i, j) reads input (2i + 1, 2j + 1) when padding is 0 top, 1 bottom
    const centre = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
    expect(values(conv(x, centre, 2))).toEqual([5, 7, 13, 15]);
    // all ones on ones: the top-left window is fully inside (9), the bottom-right one half out (4)
    const ones = tf.tensor4d(new Array(9).fill(1), [3, 3, 1, 1]);
    expect(values(conv(tf.ones([4, 4, 1]), ones, 2))).toEqual([9, 6, 6, 4]);
    // odd size: padding 1 on both sides, so the centre tap reads (2i, 2j)
    const x5 = tf.tensor3d(
      Array.from({ length: 25 }, (_, i) => i),
      [5, 5, 1],
    );
    expect(values(conv(x5, centre, 2))).toEqual([0, 2, 4, 10, 12, 14, 20, 22, 24]);
  });

  it('conv-transpose reads the filter as [kh, kw, out, in] and doubles the size', () => {
    const x = tf.tensor3d([1, 2, 3, 4], [2, 2, 1]);
    // out channel 0: centre tap 1; out channel 1: top-left tap 10
    const f = new Array(18).fill(0);
    f[(1 * 3 + 1) * 2 + 0] = 1;
    f[(0 * 3 + 0) * 2 + 1] = 10;
    const y = convTranspose(x, tf.tensor4d(f, [3, 3, 2, 1]), 2);
    expect(y.shape).toEqual([4, 4, 2]);
    // y[2i + a][2j + b] += x[i][j] * w[a][b] (the adjoint of the SAME conv above)
    const want = new Array(32).fill(0);
    for (const [i, j, v] of [
      [0, 0, 1],
      [0, 1, 2],
      [1, 0, 3],
      [1, 1, 4],
    ] as const) {
      want[((2 * i + 1) * 4 + 2 * j + 1) * 2 + 0] = v;
      want[(2 * i * 4 + 2 * j) * 2 + 1] = 10 * v;
    }
    expect(values(y)).toEqual(want);
  });

  it('instance norm: per channel, population variance, epsilon 1e-3', () => {
    const x = tf.tensor3d([1, 10, 2, 10, 3, 10, 4, 10], [2, 2, 2]);
    const y = values(instanceNorm(x, tf.tensor1d([0.5, 7]), tf.tensor1d([2, 3])));
    // channel 0: mean 2.5, variance 1.25; channel 1 is constant: (x - mean) = 0 leaves the shift
    const s = Math.sqrt(1.25 + 1e-3);
    const want = [1, 2, 3, 4].flatMap((v) => [2 * ((v - 2.5) / s) + 0.5, 7]);
    for (const [i, v] of want.entries()) expect(y[i]).toBeCloseTo(v, 5);
  });
});

describe('reference network', () => {
  let model: TfjsStyleTransfer;
  beforeAll(async () => {
    model = await TfjsStyleTransfer.load(WAVE);
  });
  afterAll(() => model?.dispose());

  it('equals a plain float64 implementation of the network on the real wave checkpoint', async () => {
    const vars = await readDeeplearnCheckpoint(WAVE);
    for (const [w, h] of [
      [12, 8],
      [7, 5], // not a multiple of 4: the output grows to 8x8
    ] as const) {
      const pixels = Float32Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
      const out = await model.stylizePixels(pixels, w, h);
      const want = naiveStyle(vars, pixels, w, h);
      expect([out.width, out.height]).toEqual([want.width, want.height]);
      let max = 0;
      for (let i = 0; i < want.data.length; i++)
        max = Math.max(max, Math.abs(out.data[i]! - want.data[i]!));
      // float32 vs float64 through 16 conv + IN layers, in 0..255 output units (measured: 4e-4)
      expect(max).toBeLessThan(0.01);
    }
  });

  it('rejects a checkpoint with a short variable file, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fl-ref-ckpt-'));
    try {
      await cp(WAVE, dir, { recursive: true });
      await truncate(path.join(dir, 'Variable_12'), 100);
      const error = await errorOf(() => readDeeplearnCheckpoint(dir));
      expect(error.message).toMatch(/Variable_12 but it has 100/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---- a third implementation: plain loops in float64, NHWC, TF semantics ------------------

interface Planes {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
}

/** TF SAME: total padding max((out - 1) * stride + k - in, 0), the smaller half on top/left. */
function samePad(size: number, k: number, stride: number): { out: number; before: number } {
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) };
}

function naiveConv(x: Planes, v: Variable, stride: number): Planes {
  const [k, , cin, cout] = v.shape as [number, number, number, number];
  const ph = samePad(x.h, k, stride);
  const pw = samePad(x.w, k, stride);
  const y: Planes = { h: ph.out, w: pw.out, c: cout, d: new Float64Array(ph.out * pw.out * cout) };
  for (let i = 0; i < y.h; i++)
    for (let j = 0; j < y.w; j++)
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) {
          const si = i * stride + a - ph.before;
          const sj = j * stride + b - pw.before;
          if (si < 0 || sj < 0 || si >= x.h || sj >= x.w) continue;
          for (let ci = 0; ci < cin; ci++) {
            const xv = x.d[(si * x.w + sj) * cin + ci]!;
            for (let co = 0; co < cout; co++)
              y.d[(i * y.w + j) * cout + co]! += xv * v.data[((a * k + b) * cin + ci) * cout + co]!;
          }
        }
  return y;
}

/** The adjoint of naiveConv on a (stride x) larger image; filter [k, k, out, in]. */
function naiveConvT(x: Planes, v: Variable, stride: number): Planes {
  const [k, , cout, cin] = v.shape as [number, number, number, number];
  const h = x.h * stride;
  const w = x.w * stride;
  const ph = samePad(h, k, stride);
  const pw = samePad(w, k, stride);
  const y: Planes = { h, w, c: cout, d: new Float64Array(h * w * cout) };
  for (let i = 0; i < x.h; i++)
    for (let j = 0; j < x.w; j++)
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) {
          const ti = i * stride + a - ph.before;
          const tj = j * stride + b - pw.before;
          if (ti < 0 || tj < 0 || ti >= h || tj >= w) continue;
          for (let co = 0; co < cout; co++)
            for (let ci = 0; ci < cin; ci++)
              y.d[(ti * w + tj) * cout + co]! +=
                x.d[(i * x.w + j) * cin + ci]! * v.data[((a * k + b) * cout + co) * cin + ci]!;
        }
  return y;
}

function naiveNorm(x: Planes, shift: Variable, scale: Variable, relu: boolean): Planes {
  const n = x.h * x.w;
  const y = { ...x, d: new Float64Array(x.d.length) };
  for (let c = 0; c < x.c; c++) {
    let mean = 0;
    for (let p = 0; p < n; p++) mean += x.d[p * x.c + c]!;
    mean /= n;
    let variance = 0;
    for (let p = 0; p < n; p++) variance += (x.d[p * x.c + c]! - mean) ** 2;
    variance /= n;
    const inv = 1 / Math.sqrt(variance + 1e-3);
    for (let p = 0; p < n; p++) {
      const v = scale.data[c]! * (x.d[p * x.c + c]! - mean) * inv + shift.data[c]!;
      y.d[p * x.c + c] = relu ? Math.max(0, v) : v;
    }
  }
  return y;
}

function naiveStyle(
  vars: Map<string, Variable>,
  pixels: Float32Array,
  w: number,
  h: number,
): { width: number; height: number; data: Float64Array } {
  const v = (id: number) => vars.get(id === 0 ? 'Variable' : `Variable_${id}`)!;
  const layer = (x: Planes, id: number, stride: number, relu: boolean, t = false) =>
    naiveNorm(
      t ? naiveConvT(x, v(id), stride) : naiveConv(x, v(id), stride),
      v(id + 1),
      v(id + 2),
      relu,
    );
  let x: Planes = { h, w, c: 3, d: Float64Array.from(pixels) };
  x = layer(layer(layer(x, 0, 1, true), 3, 2, true), 6, 2, true);
  for (const k of [9, 15, 21, 27, 33]) {
    const r = layer(layer(x, k, 1, true), k + 3, 1, false);
    x = { ...x, d: x.d.map((value, i) => value + r.d[i]!) };
  }
  x = layer(layer(x, 39, 2, true, true), 42, 2, true, true);
  x = layer(x, 45, 1, false);
  const data = x.d.map((value) => Math.min(255, Math.max(0, 150 * Math.tanh(value) + 127.5)));
  return { width: x.w, height: x.h, data };
}
