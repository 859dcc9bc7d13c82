/**
 * Float16 conversion of an ONNX model, in the manner of onnxconverter-common's
 * convert_float_to_float16 with keep_io_types: float initializers become FLOAT16, the graph's
 * float32 inputs and outputs stay float32 through Casts at the boundary, and ops that should not
 * run in float16 stay float32 with Casts where the two precisions meet.
 *
 * On CPU, ONNX Runtime 1.30 has float16 kernels for little beyond data movement (Transpose,
 * Concat, Clip): for the rest it inserts its own Casts around each node, which makes a
 * float16-compute model slower there, not faster. `mode: 'weights'` is the CPU form: float16
 * storage, float32 arithmetic (ORT folds the weight Casts when it loads the model).
 */
import { FilterlabError } from '../../core/errors.js';
import {
  AttributeType,
  DataType,
  int64ToNumber,
  tensorFromProto,
  tensorToProto,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../../core/onnx/proto.js';
import { toFloat16Array } from './float16-bits.js';
import { assertNoSubgraphs, floatTensors } from './float-tensors.js';
import { GraphNames } from './graph-names.js';

export type Fp16Mode = 'compute' | 'weights';

export interface Fp16Options {
  /** compute (default): arithmetic in float16 except `keepFp32Ops`; weights: storage only. */
  mode?: Fp16Mode;
  /** Ops that stay float32. Default DEFAULT_FP32_OPS. */
  keepFp32Ops?: readonly string[];
}

/**
 * onnxconverter-common's DEFAULT_OP_BLOCK_LIST (default-domain part): ops without float16
 * kernels or whose results float16 spoils (sizes, ranges, reductions to a maximum), plus ops
 * that make values of a type named in an attribute.
 */
export const DEFAULT_FP32_OPS: readonly string[] = [
  'NonMaxSuppression',
  'TopK',
  'RoiAlign',
  'Resize',
  'Range',
  'CumSum',
  'Min',
  'Max',
  'Upsample',
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
  'EyeLike',
  'Multinomial',
  'Bernoulli',
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'ConvInteger',
  'MatMulInteger',
];

/** Float inputs that stay float32 whatever the op computes in (Resize's roi and scales). */
const FLOAT32_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
};

/** Inputs that accept any type, so a Cast in front of them would be wasted. */
const ANY_TYPE_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Cast: [0],
  CastLike: [0],
  Shape: [0],
  Size: [0],
};

export function convertToFloat16(model: ModelProto, options: Fp16Options = {}): ModelProto {
  const graph = model.graph;
  if (!graph) throw new FilterlabError('FL_ERR_MODEL_LOAD', 'Expected an ONNX model with a graph');
  assertNoSubgraphs(graph, 'float16 conversion');
  const mode = options.mode ?? 'compute';
  const keep = new Set(options.keepFp32Ops ?? DEFAULT_FP32_OPS);
  const floats = floatTensors(graph);
  const names = new GraphNames(graph);
  const halfNode = (node: NodeProto) =>
    mode === 'compute' &&
    !node.domain &&
    !keep.has(node.opType ?? '') &&
    [...(node.input ?? []), ...(node.output ?? [])].some((n) => floats.has(n));
  const float32Slot = (node: NodeProto, slot: number) =>
    FLOAT32_SLOTS[node.opType ?? '']?.includes(slot) ?? false;

  /** Tensors whose values are float16 in the new graph. */
  const half = new Set<string>();
  const initializers = convertInitializers(model, mode, floats, half, (node, slot) =>
    mode === 'weights' ? !float32Slot(node, slot) : halfNode(node) && !float32Slot(node, slot),
  );

  const nodes: NodeProto[] = [];
  const casts = new Map<string, string>();
  const castTo = (name: string, toHalf: boolean): string => {
    const key = `${toHalf ? 'h' : 'f'}:${name}`;
    let out = casts.get(key);
    if (!out) {
      out = names.fresh(`${name}.${toHalf ? 'fp16' : 'fp32'}`);
      nodes.push(castNode(names.fresh('cast'), name, out, toHalf));
      casts.set(key, out);
      if (toHalf) half.add(out);
    }
    return out;
  };
  for (const node of graph.node ?? []) {
    const isHalf = halfNode(node);
    const op = node.opType ?? '';
    const input = (node.input ?? []).map((name, slot) => {
      if (!floats.has(name) || ANY_TYPE_SLOTS[op]?.includes(slot)) return name;
      const want = isHalf && !float32Slot(node, slot);
      return want === half.has(name) ? name : castTo(name, want);
    });
    if (isHalf) for (const out of node.output ?? []) if (floats.has(out)) half.add(out);
    nodes.push({ ...node, input, attribute: isHalf ? halfAttributes(node) : node.attribute });
  }

  let body = nodes;
  const tail: NodeProto[] = [];
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (!half.has(name)) continue;
    const inner = names.fresh(`${name}.fp16`);
    body = renameTensor(body, name, inner);
    tail.push(castNode(names.fresh('cast'), inner, name, false));
  }
  return {
    ...model,
    graph: {
      ...graph,
      node: [...body, ...tail],
      initializer: initializers,
      // Stale types would contradict the new ones; ORT infers what it needs.
      valueInfo: (graph.valueInfo ?? []).filter((v) => !half.has(v.name ?? '')),
    },
  };
}

function convertInitializers(
  model: ModelProto,
  mode: Fp16Mode,
  floats: Set<string>,
  half: Set<string>,
  slotWantsHalf: (node: NodeProto, slot: number) => boolean,
): TensorProto[] {
  const graph = model.graph!;
  const boundary = new Set([...(graph.input ?? []), ...(graph.output ?? [])].map((v) => v.name));
  const slots = new Map<string, boolean[]>();
  for (const node of graph.node ?? []) {
    (node.input ?? []).forEach((name, slot) => {
      if (floats.has(name))
        slots.set(name, [...(slots.get(name) ?? []), slotWantsHalf(node, slot)]);
    });
  }
  return (graph.initializer ?? []).map((init) => {
    const name = init.name ?? '';
    const wants = slots.get(name) ?? [];
    const convert =
      init.dataType === DataType.FLOAT &&
      !boundary.has(name) &&
      (mode === 'weights' ? wants.length > 0 && wants.every(Boolean) : wants.some(Boolean));
    if (!convert) return init;
    half.add(name);
    return halfTensor(init);
  });
}

function halfTensor(p: TensorProto): TensorProto {
  const t = tensorFromProto(p);
  if (!(t.data instanceof Float32Array)) return p;
  return tensorToProto(p.name ?? '', {
    type: 'float16',
    dims: t.dims,
    data: toFloat16Array(t.data),
  });
}

/** Attributes that carry float32 values or name float32 as a type, retyped for a float16 node. */
function halfAttributes(node: NodeProto): AttributeProto[] {
  return (node.attribute ?? []).map((a) => {
    if (node.opType === 'Cast' && a.name === 'to' && int64ToNumber(a.i) === DataType.FLOAT)
      return { ...a, i: DataType.FLOAT16 };
    if (a.t && a.t.dataType === DataType.FLOAT) return { ...a, t: halfTensor(a.t) };
    if (node.opType === 'Constant' && (a.name === 'value_float' || a.name === 'value_floats')) {
      const values = a.name === 'value_float' ? [a.f ?? 0] : (a.floats ?? []);
      const dims = a.name === 'value_float' ? [] : [values.length];
      return {
        name: 'value',
        type: AttributeType.TENSOR,
        t: tensorToProto('', {
          type: 'float16',
          dims,
          data: toFloat16Array(Float32Array.from(values)),
        }),
      };
    }
    return a;
  });
}

export function castNode(name: string, input: string, output: string, toHalf: boolean): NodeProto {
  return {
    name,
    opType: 'Cast',
    input: [input],
    output: [output],
    attribute: [
      { name: 'to', type: AttributeType.INT, i: toHalf ? DataType.FLOAT16 : DataType.FLOAT },
    ],
  };
}

function renameTensor(nodes: NodeProto[], from: string, to: string): NodeProto[] {
  const swap = (names: string[] | null | undefined) =>
    (names ?? []).map((n) => (n === from ? to : n));
  return nodes.map((n) => ({ ...n, input: swap(n.input), output: swap(n.output) }));
}
