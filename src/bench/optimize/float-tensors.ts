/**
 * Which tensors of an ONNX graph hold float32 values. ONNX files rarely carry the type of every
 * intermediate value, so it is inferred as data flows: graph inputs, initializers and Constant
 * nodes are typed; an op's outputs follow its inputs except for the ops listed here.
 */
import { FilterlabError } from '../../core/errors.js';
import {
  DataType,
  int64ToNumber,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
} from '../../core/onnx/proto.js';

/** Ops whose outputs are never float (shapes, indices, booleans, quantized values). */
const NON_FLOAT_OPS = new Set([
  'Shape',
  'Size',
  'NonZero',
  'ArgMax',
  'ArgMin',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
  'NonMaxSuppression',
  'QuantizeLinear',
  'ConvInteger',
  'MatMulInteger',
]);

/** Outputs (by index) that hold indices or masks although the op's first output is float. */
const NON_FLOAT_OUTPUTS: Readonly<Record<string, readonly number[]>> = {
  TopK: [1],
  MaxPool: [1],
  Dropout: [1],
  Unique: [1, 2, 3],
  DynamicQuantizeLinear: [0, 2],
};

/** Ops whose output type follows one particular input rather than any float input. */
const DATA_INPUT: Readonly<Record<string, number>> = { Resize: 0, Upsample: 0, Where: 1 };

export function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name) ?? undefined;
}

/** Control flow keeps its own graphs, whose outer references a rewrite would have to follow. */
export function assertNoSubgraphs(graph: GraphProto, what: string): void {
  const node = graph.node?.find((n) => n.attribute?.some((a) => a.g || a.graphs?.length));
  if (node) {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a graph without control flow for ${what} but node ${node.name ?? ''} (${node.opType}) holds a subgraph`,
    );
  }
}

export function floatTensors(graph: GraphProto): Set<string> {
  const floats = new Set<string>();
  const declared = new Map<string, number>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const type = v.type?.tensorType?.elemType;
    if (v.name && type != null) declared.set(v.name, type);
  }
  for (const [name, type] of declared) if (type === DataType.FLOAT) floats.add(name);
  for (const init of graph.initializer ?? []) {
    if (init.name && init.dataType === DataType.FLOAT) floats.add(init.name);
  }
  for (const node of graph.node ?? []) {
    (node.output ?? []).forEach((name, index) => {
      if (!name) return;
      const type = declared.get(name);
      const isFloat = type != null ? type === DataType.FLOAT : outputIsFloat(node, index, floats);
      if (isFloat) floats.add(name);
    });
  }
  return floats;
}

function outputIsFloat(node: NodeProto, index: number, floats: Set<string>): boolean {
  const op = node.opType ?? '';
  const inputs = node.input ?? [];
  if (NON_FLOAT_OPS.has(op) || NON_FLOAT_OUTPUTS[op]?.includes(index)) return false;
  switch (op) {
    case 'Cast':
      return int64ToNumber(attribute(node, 'to')?.i) === DataType.FLOAT;
    case 'CastLike':
      return floats.has(inputs[1] ?? '');
    case 'Constant':
      return constantIsFloat(node);
    case 'ConstantOfShape': {
      const value = attribute(node, 'value')?.t;
      return !value || value.dataType === DataType.FLOAT;
    }
    case 'DequantizeLinear':
    case 'DynamicQuantizeLinear':
      return true;
  }
  const dtype = attribute(node, 'dtype');
  if (dtype) return int64ToNumber(dtype.i) === DataType.FLOAT;
  const data = DATA_INPUT[op];
  if (data !== undefined) return floats.has(inputs[data] ?? '');
  return inputs.some((name) => name !== '' && floats.has(name));
}

function constantIsFloat(node: NodeProto): boolean {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value') return a.t?.dataType === DataType.FLOAT;
    if (a.name === 'value_float' || a.name === 'value_floats') return true;
  }
  return false;
}
