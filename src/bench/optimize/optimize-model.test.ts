/**
 * The optimizer on the fixture models (Conv nets with the contracts of real ones) and on an
 * inline MLP (MatMul, Gemm): every converted model loads and runs in ONNX Runtime on CPU, is
 * smaller, and stays close to the float32 output.
 *
 * Tolerances, on output pixels in [0, 1] (8-bit quantization of the output is 2e-3):
 *   fp16-weights max |diff| < 1e-3 (float16 weights only), fp16 < 2e-3 (float16 arithmetic),
 *   int8 < 1e-2 (int8 weights), int8-integer < 1.5e-2 (int8 weights and uint8 activations);
 *   SSIM against the float32 output > 0.999 for all.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV, FIXTURE_MODELS } from '../../../test/support/paths.js';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import { writeManifest } from '../../core/models/manifest.js';
import { attr, GraphBuilder } from '../../core/onnx/graph-builder.js';
import { DataType, decodeModel, int64ToNumber } from '../../core/onnx/proto.js';
import { atLongSide, loadPhoto } from '../photos.js';
import { compareModels } from './compare-models.js';
import { weightStats } from './model-stats.js';
import { optimizeModel, type Precision } from './optimize-model.js';

const FIXTURES = ['tiny-conv', 'tiny-upscale2x', 'tiny-fixed64'] as const;
const TOLERANCE: Record<Exclude<Precision, 'fp32'>, number> = {
  'fp16-weights': 1e-3,
  fp16: 2e-3,
  int8: 1e-2,
  'int8-integer': 1.5e-2,
};
const VARIANTS = Object.keys(TOLERANCE) as Exclude<Precision, 'fp32'>[];

let ctx: Context;
let dir: string;
beforeAll(async () => {
  ctx = createContext({ modelsDir: path.join(tmpdir(), 'filterlab-no-models') });
  dir = await mkdtemp(path.join(tmpdir(), 'fl-optimize-'));
});
afterAll(async () => {
  await disposeContext(ctx);
  await rm(dir, { recursive: true, force: true });
});

describe.each(FIXTURES)('models optimize on %s', (id) => {
  it('writes fp16 and int8 folders that ORT runs, smaller and close to float32', async () => {
    const original = await ctx.models.resolve(path.join(FIXTURE_MODELS, id));
    const variants = [];
    for (const precision of VARIANTS) {
      const out = await optimizeModel(original, {
        precision,
        outDir: path.join(dir, `${id}-${precision}`),
      });
      expect(out.manifest).toMatchObject({
        id: `${id}-${precision}`,
        format: 'onnx',
        io: original.manifest.io,
      });
      variants.push({ label: precision, model: await ctx.models.resolve(out.dir) });
    }
    const photo = atLongSide(await loadPhoto(path.join(FACES_DEV, 'B001231.jpg')), 96);
    const report = await compareModels(ctx, original, variants, photo, { runs: 1, warmup: 0 });
    const originalBytes = await readFile(original.entry);
    const floatBytes = weightStats(decodeModel(originalBytes)).byType.FLOAT!;
    for (const v of report.variants) {
      const precision = v.label as Exclude<Precision, 'fp32'>;
      expect(v.maxAbsDiff, `${precision} max |diff|`).toBeLessThan(TOLERANCE[precision]);
      expect(v.ssim, `${precision} SSIM`).toBeGreaterThan(0.999);
      expect(v.weightBytes).toBeLessThan(report.original.weightBytes);
      expect(v.latency.n).toBe(1);
    }
    // fp16: every float weight halves except Resize's scales (kept float32: they size the output)
    const fp16 = report.variants.find((v) => v.label === 'fp16')!;
    expect(fp16.weightRatio).toBeGreaterThanOrEqual(0.5);
    expect(fp16.weightRatio).toBeLessThan(0.53);
    expect(floatBytes).toBe(report.original.weightBytes);
  });
});

describe('float16 conversion', () => {
  it('keeps graph inputs and outputs float32 behind Casts, and Resize in float32', async () => {
    const model = await ctx.models.resolve(path.join(FIXTURE_MODELS, 'tiny-upscale2x'));
    const out = await optimizeModel(model, {
      precision: 'fp16',
      outDir: path.join(dir, 'up-fp16'),
    });
    const graph = await readGraph(out.dir);
    expect(graph.inputs).toEqual([DataType.FLOAT]);
    expect(graph.outputs).toEqual([DataType.FLOAT]);
    const first = graph.nodes[0]!;
    const last = graph.nodes[graph.nodes.length - 1]!;
    expect([first.opType, first.input[0], first.to]).toEqual(['Cast', 'image', DataType.FLOAT16]);
    expect([last.opType, last.output[0], last.to]).toEqual(['Cast', 'output', DataType.FLOAT]);
    // Resize computes in float32: a Cast feeds it, its scales stay FLOAT
    const resize = graph.nodes.find((n) => n.opType === 'Resize')!;
    const feeder = graph.nodes.find((n) => n.output.includes(resize.input[0]!))!;
    expect([feeder.opType, feeder.to]).toEqual(['Cast', DataType.FLOAT]);
    expect(graph.initializers).toMatchObject({
      'resize.scales': DataType.FLOAT,
      'conv.weight': DataType.FLOAT16,
      'clip.min': DataType.FLOAT16,
    });
  });

  it('weights mode stores float16 and casts every weight back to float32', async () => {
    const model = await ctx.models.resolve(path.join(FIXTURE_MODELS, 'tiny-conv'));
    const out = await optimizeModel(model, {
      precision: 'fp16-weights',
      outDir: path.join(dir, 'conv-fp16w'),
    });
    const graph = await readGraph(out.dir);
    expect(Object.values(graph.initializers).every((t) => t === DataType.FLOAT16)).toBe(true);
    const casts = graph.nodes.filter((n) => n.opType === 'Cast');
    expect(casts.map((c) => c.to)).toEqual(casts.map(() => DataType.FLOAT));
    expect(casts.map((c) => c.input[0]).sort()).toEqual(Object.keys(graph.initializers).sort());
  });
});

describe('int8 quantization of MatMul and Gemm', () => {
  let mlp: string;
  beforeAll(async () => {
    mlp = await writeMlp(path.join(dir, 'mlp'));
  });

  it.each(['int8', 'int8-integer'] as const)(
    '%s: runs in ORT and stays close to float32',
    async (precision) => {
      const original = await ctx.models.resolve(mlp);
      const out = await optimizeModel(original, {
        precision,
        outDir: path.join(dir, `mlp-${precision}`),
      });
      const ops = (await readGraph(out.dir)).nodes.map((n) => n.opType);
      if (precision === 'int8') {
        expect(ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(2);
        expect(ops).toContain('Gemm');
      } else {
        expect(ops.filter((o) => o === 'MatMulInteger')).toHaveLength(2);
        expect(ops.filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(2);
        expect(ops).not.toContain('Gemm');
      }
      // the int8 bytes are exactly the two weight matrices (16x32 and 8x32), a quarter of their float bytes
      expect(
        weightStats(decodeModel(await readFile(path.join(out.dir, 'model.onnx')))).byType.INT8,
      ).toBe(16 * 32 + 8 * 32 + (precision === 'int8' ? 32 + 8 : 2));
      const [a, b] = await Promise.all([runMlp(ctx, mlp), runMlp(ctx, out.dir)]);
      const scale = Math.max(...a.map(Math.abs));
      const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      expect(worst / scale).toBeLessThan(precision === 'int8' ? 0.02 : 0.05);
    },
  );
});

/** The parts of a written model the tests look at, with nulls and Longs resolved. */
async function readGraph(folder: string) {
  const graph = decodeModel(await readFile(path.join(folder, 'model.onnx'))).graph!;
  const elem = (v: { type?: { tensorType?: { elemType?: number | null } | null } | null }) =>
    v.type?.tensorType?.elemType;
  return {
    inputs: (graph.input ?? []).map(elem),
    outputs: (graph.output ?? []).map(elem),
    nodes: (graph.node ?? []).map((n) => ({
      opType: n.opType ?? '',
      input: n.input ?? [],
      output: n.output ?? [],
      to: int64ToNumber(n.attribute?.find((a) => a.name === 'to')?.i),
    })),
    initializers: Object.fromEntries((graph.initializer ?? []).map((t) => [t.name, t.dataType])),
  };
}

/** x[4,16] → MatMul W1[16,32] + b1 → Relu → Gemm(transB=1, W2[8,32], C[8], alpha 0.5, beta 2). */
async function writeMlp(folder: string): Promise<string> {
  let seed = 7;
  const rand = (n: number, s: number) =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 2 * s;
    });
  const g = new GraphBuilder('mlp', { opset: 17 });
  g.input('x', 'float32', [4, 16]);
  g.output('y', 'float32', [4, 8]);
  g.initializer('w1', rand(16 * 32, 0.5), [16, 32]);
  g.initializer('b1', rand(32, 0.1), [32]);
  g.initializer('w2', rand(8 * 32, 0.5), [8, 32]);
  g.initializer('c2', rand(8, 0.1), [8]);
  g.node('MatMul', ['x', 'w1'], ['h']);
  g.node('Add', ['h', 'b1'], ['hb']);
  g.node('Relu', ['hb'], ['hr']);
  g.node('Gemm', ['hr', 'w2', 'c2'], ['y'], {
    transB: 1,
    alpha: attr.float(0.5),
    beta: attr.float(2),
  });
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'model.onnx'), g.toBytes());
  await writeManifest(folder, {
    id: 'mlp',
    format: 'onnx',
    license: 'MIT (test)',
    files: ['model.onnx'],
  });
  return folder;
}

async function runMlp(ctx: Context, folder: string): Promise<number[]> {
  const model = await ctx.models.resolve(folder);
  const session = await ctx.onnx.session({ path: model.entry, hash: model.hash });
  try {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37));
    const out = await session.run({ x: { type: 'float32', dims: [4, 16], data: x } });
    return Array.from(out.y!.data as Float32Array);
  } finally {
    await ctx.onnx.release(session.key);
  }
}
