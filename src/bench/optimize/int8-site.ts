/** Where int8 quantization applies: a float op with a constant weight, and what rewrites it. */
import {
  AttributeType,
  DataType,
  int64ToNumber,
  tensorFromProto,
  type NodeProto,
  type TensorProto,
} from '../../core/onnx/proto.js';
import type { Tensor } from '../../core/tensor/tensor.js';
import { attribute } from './float-tensors.js';
import type { GraphNames } from './graph-names.js';

export const INT8_OPS = ['Conv', 'MatMul', 'Gemm'] as const;
export type Int8Op = (typeof INT8_OPS)[number];

/** A float op whose weight (an initializer) is to be quantized. */
export interface WeightSite {
  node: NodeProto;
  op: Int8Op;
  /** The input slot of the weight. */
  slot: number;
  weight: Tensor<'float32'>;
  weightName: string;
}

/** What a form's rewrite of one site appends to. */
export interface Rewrite {
  names: GraphNames;
  nodes: NodeProto[];
  initializers: TensorProto[];
  perChannel: boolean;
  opset: number;
  initializer(name: string): TensorProto | undefined;
  /** Float tensors of the original graph. */
  floats: ReadonlySet<string>;
  /** Per-run memo (one DynamicQuantizeLinear per activation, one int8 copy per weight). */
  memo: Map<string, string[]>;
}

export function weightSite(
  node: NodeProto,
  byName: Map<string, TensorProto>,
): WeightSite | undefined {
  const op = node.opType as Int8Op;
  const slot = 1; // Conv W, MatMul B, Gemm B
  const weightName = node.input?.[slot] ?? '';
  const proto = byName.get(weightName);
  if (!proto || proto.dataType !== DataType.FLOAT) return undefined;
  const weight = tensorFromProto(proto) as Tensor<'float32'>;
  if (op === 'MatMul' && weight.dims.length !== 2) return undefined;
  if (op === 'Gemm' && intAttribute(node, 'transA', 0) !== 0) return undefined;
  return { node, op, slot, weight, weightName };
}

/** The axis of output channels in the weight: where per-channel scales run along. */
export function outputAxis(site: WeightSite): number {
  if (site.op === 'Conv') return 0;
  if (site.op === 'Gemm') return intAttribute(site.node, 'transB', 0) ? 0 : 1;
  return site.weight.dims.length - 1;
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a ? int64ToNumber(a.i) : fallback;
}

export function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.f ?? fallback;
}

export function intAttr(name: string, value: number) {
  return { name, type: AttributeType.INT, i: value };
}
