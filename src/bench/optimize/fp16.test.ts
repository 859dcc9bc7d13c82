/**
 * The float16 converter on a graph with the awkward parts: a Constant (tensor and value_float),
 * Casts to and from integers, a Shape (int64) output, and an op kept in float32 (Max). ORT must
 * run the result and agree with the float32 model to float16 precision.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import { GraphBuilder } from '../../core/onnx/graph-builder.js';
import {
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  int64ToNumber,
  tensorToProto,
} from '../../core/onnx/proto.js';
import type { Tensor } from '../../core/tensor/tensor.js';
import { convertToFloat16 } from './fp16.js';
import { floatTensors } from './float-tensors.js';

function build(): Uint8Array {
  const g = new GraphBuilder('awkward', { opset: 17 });
  g.input('x', 'float32', [1, 4]);
  g.output('y', 'float32', [1, 4]);
  g.output('shape', 'int64', [2]);
  g.node('Constant', [], ['c'], {});
  g.node('Add', ['x', 'c'], ['a']);
  g.node('Constant', [], ['k'], {});
  g.node('Mul', ['a', 'k'], ['m']);
  g.node('Cast', ['m'], ['mi'], { to: DataType.INT32 });
  g.node('Cast', ['mi'], ['mf'], { to: DataType.FLOAT });
  g.node('Max', ['m', 'mf'], ['y']);
  g.node('Shape', ['x'], ['shape']);
  const model = g.toModel();
  // GraphBuilder has no tensor attributes: set the two Constants' values here
  const [c, , k] = model.graph!.node!;
  c!.attribute = [
    {
      name: 'value',
      type: AttributeType.TENSOR,
      t: tensorToProto('', {
        type: 'float32',
        dims: [4],
        data: Float32Array.from([0.25, -0.5, 1, 0.125]),
      }),
    },
  ];
  k!.attribute = [{ name: 'value_float', type: AttributeType.FLOAT, f: 1.5 }];
  return encodeModel(model);
}

let ctx: Context;
let dir: string;
beforeAll(async () => {
  ctx = createContext({ modelsDir: path.join(tmpdir(), 'filterlab-no-models') });
  dir = await mkdtemp(path.join(tmpdir(), 'fl-fp16-'));
});
afterAll(async () => {
  await disposeContext(ctx);
  await rm(dir, { recursive: true, force: true });
});

async function run(bytes: Uint8Array, name: string): Promise<Record<string, Tensor>> {
  const file = path.join(dir, name, 'model.onnx');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  const session = await ctx.onnx.session({ path: file, hash: name });
  try {
    const x = Float32Array.from([0.1, 1.7, -2.3, 3.3]);
    return await session.run({ x: { type: 'float32', dims: [1, 4], data: x } });
  } finally {
    await ctx.onnx.release(session.key);
  }
}

describe('float16 conversion of typed corners', () => {
  it('infers which tensors are float', () => {
    const floats = floatTensors(decodeModel(build()).graph!);
    expect([...floats].sort()).toEqual(['a', 'c', 'k', 'm', 'mf', 'x', 'y']);
  });

  it('retypes Constants and Casts, keeps Max and integer outputs, and ORT agrees', async () => {
    const half = convertToFloat16(decodeModel(build()));
    const nodes = half.graph!.node!;
    const constant = nodes.find((n) => n.output?.[0] === 'c')!;
    expect(constant.attribute![0]!.t!.dataType).toBe(DataType.FLOAT16);
    const k = nodes.find((n) => n.output?.[0] === 'k')!;
    expect(k.attribute![0]).toMatchObject({ name: 'value', type: AttributeType.TENSOR });
    const toFloat = nodes.find((n) => n.output?.[0] === 'mf')!;
    expect(int64ToNumber(toFloat.attribute![0]!.i)).toBe(DataType.FLOAT16);
    const max = nodes.find((n) => n.opType === 'Max')!;
    expect(max.input).toEqual(['m.fp32', 'mf.fp32']);
    expect(max.output).toEqual(['y']); // float32 already: no Cast at the boundary

    const [a, b] = await Promise.all([run(build(), 'fp32'), run(encodeModel(half), 'fp16')]);
    expect(b.shape!.type).toBe('int64');
    expect(Array.from(b.shape!.data as BigInt64Array)).toEqual([1n, 4n]);
    expect(b.y!.type).toBe('float32');
    const ya = Array.from(a.y!.data as Float32Array);
    const yb = Array.from(b.y!.data as Float32Array);
    ya.forEach((v, i) => expect(yb[i]).toBeCloseTo(v, 2));
  });
});
