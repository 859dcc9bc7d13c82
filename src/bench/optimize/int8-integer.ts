/**
 * The integer form of int8 quantization, as onnxruntime.quantization.quantize_dynamic writes it:
 *
 *   x ─DynamicQuantizeLinear→ (x_q uint8, x_scale, x_zero_point)
 *   ConvInteger / MatMulInteger(x_q, W_q int8, x_zero_point, 0) → int32
 *   → Cast float → × (x_scale · w_scale) → + bias
 *
 * Per-channel weight scales are applied by that Mul, shaped to broadcast over the output
 * channels, so the integer ops see one zero point (0) per weight.
 */
import {
  AttributeType,
  DataType,
  tensorFromProto,
  tensorToProto,
  type NodeProto,
} from '../../core/onnx/proto.js';
import type { Tensor } from '../../core/tensor/tensor.js';
import {
  floatAttribute,
  intAttribute,
  outputAxis,
  type Rewrite,
  type WeightSite,
} from './int8-site.js';
import { quantizeSymmetric } from './quantize-weights.js';

export function rewriteInteger(site: WeightSite, rw: Rewrite): boolean {
  const x = site.node.input?.[0] ?? '';
  const output = site.node.output?.[0] ?? '';
  if (!rw.floats.has(x) || !output) return false;
  const bias = biasOf(site, rw);
  if (bias === null) return false;
  const weight = site.op === 'Gemm' ? gemmWeight(site) : site.weight;
  const axis = site.op === 'Gemm' ? 1 : outputAxis(site);
  const q = quantizeSymmetric(weight.data, weight.dims, rw.perChannel ? axis : undefined);
  const alpha = site.op === 'Gemm' ? floatAttribute(site.node, 'alpha', 1) : 1;
  const fresh = (suffix: string) => rw.names.fresh(`${output}.${suffix}`);
  const w = { values: fresh('w_int8'), zeroPoint: fresh('w_zero_point'), scale: fresh('w_scale') };
  rw.initializers.push(
    tensorToProto(w.values, { type: 'int8', dims: weight.dims, data: q.values }),
    tensorToProto(w.zeroPoint, { type: 'int8', dims: [], data: new Int8Array(1) }),
    tensorToProto(w.scale, {
      type: 'float32',
      dims: rw.perChannel ? channelShape(site, q.scales.length) : [],
      data: q.scales.map((s) => s * alpha),
    }),
  );
  const [xq, xScale, xZero] = quantizedActivation(x, rw);
  const integer = site.op === 'Conv' ? 'ConvInteger' : 'MatMulInteger';
  const names = { int32: fresh('int32'), float: fresh('float'), scale: fresh('scale') };
  const scaled = bias ? fresh('scaled') : output;
  const node = (
    opType: string,
    input: string[],
    out: string,
    attribute: NodeProto['attribute'] = [],
  ) =>
    rw.nodes.push({
      name: rw.names.fresh(`${site.node.name ?? output}.${opType}`),
      opType,
      input,
      output: [out],
      attribute,
    });
  node(
    integer,
    [xq, w.values, xZero, w.zeroPoint],
    names.int32,
    site.op === 'Conv' ? site.node.attribute : [],
  );
  node('Cast', [names.int32], names.float, [
    { name: 'to', type: AttributeType.INT, i: DataType.FLOAT },
  ]);
  node('Mul', [xScale, w.scale], names.scale);
  node('Mul', [names.float, names.scale], scaled);
  if (bias) node('Add', [scaled, bias], output);
  return true;
}

/** Per-channel scales shaped to broadcast over the op's output: [1, M, 1, 1] for Conv, [N] otherwise. */
function channelShape(site: WeightSite, channels: number): number[] {
  if (site.op !== 'Conv') return [channels];
  return [1, channels, ...site.weight.dims.slice(2).map(() => 1)];
}

/** Gemm's B as [K, N], whatever transB says. */
function gemmWeight(site: WeightSite): Tensor<'float32'> {
  const { weight } = site;
  if (!intAttribute(site.node, 'transB', 0)) return weight;
  const [n, k] = weight.dims as [number, number];
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) data[j * n + i] = weight.data[i * k + j]!;
  return { type: 'float32', dims: [k, n], data };
}

/**
 * The bias to add after scaling, as an initializer that broadcasts over the output: '' when the
 * op has none, null when it has one that is not a constant (the op then stays float).
 */
function biasOf(site: WeightSite, rw: Rewrite): string | null {
  const name = site.node.input?.[2] ?? '';
  if (!name) return '';
  const proto = rw.initializer(name);
  if (!proto) return null;
  const bias = tensorFromProto(proto);
  if (!(bias.data instanceof Float32Array)) return null;
  const values = bias.data;
  const beta = site.op === 'Gemm' ? floatAttribute(site.node, 'beta', 1) : 1;
  const dims = site.op === 'Conv' ? channelShape(site, values.length) : bias.dims;
  const out = rw.names.fresh(`${name}.broadcast`);
  rw.initializers.push(
    tensorToProto(out, { type: 'float32', dims, data: values.map((v) => v * beta) }),
  );
  return out;
}

/** One DynamicQuantizeLinear per activation, however many ops read it. */
function quantizedActivation(x: string, rw: Rewrite): [string, string, string] {
  const key = `dql:${x}`;
  const memo = rw.memo.get(key);
  if (memo) return memo as [string, string, string];
  const outs: [string, string, string] = [
    rw.names.fresh(`${x}.quantized`),
    rw.names.fresh(`${x}.scale`),
    rw.names.fresh(`${x}.zero_point`),
  ];
  rw.nodes.push({
    name: rw.names.fresh(`${x}.DynamicQuantizeLinear`),
    opType: 'DynamicQuantizeLinear',
    input: [x],
    output: outs,
  });
  rw.memo.set(key, outs);
  return outs;
}
