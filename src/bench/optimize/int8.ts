/**
 * Int8 dynamic quantization of the weights of Conv, MatMul and Gemm, in one of two forms that
 * ONNX Runtime runs on CPU:
 *
 * - qdq: int8 weights with a per-channel (or per-tensor) scale, and a DequantizeLinear node
 *   feeding the original float op. A quarter of the weight bytes; the arithmetic stays float32.
 * - integer: what onnxruntime.quantization.quantize_dynamic writes. Activations are quantized at
 *   run time (DynamicQuantizeLinear, uint8), the op runs as ConvInteger / MatMulInteger on int8
 *   weights, and the int32 result is scaled back to float: int8 arithmetic.
 *
 * Weights are symmetric (zero point 0). Ops whose weight is not an initializer stay float.
 */
import { FilterlabError } from '../../core/errors.js';
import { int64ToNumber, type ModelProto } from '../../core/onnx/proto.js';
import { assertNoSubgraphs, floatTensors } from './float-tensors.js';
import { GraphNames } from './graph-names.js';
import { rewriteInteger } from './int8-integer.js';
import { rewriteQdq } from './int8-qdq.js';
import { INT8_OPS, weightSite, type Int8Op, type Rewrite } from './int8-site.js';

export { INT8_OPS, type Int8Op } from './int8-site.js';

export type Int8Form = 'qdq' | 'integer';

export interface Int8Options {
  /** Default 'qdq'. */
  form?: Int8Form;
  /** One scale per output channel (default) or one per tensor. */
  perChannel?: boolean;
  /** Which ops to quantize; default all of INT8_OPS. */
  ops?: readonly Int8Op[];
}

const MIN_OPSET: Record<Int8Form, number> = { qdq: 10, integer: 11 };

export function quantizeInt8(model: ModelProto, options: Int8Options = {}): ModelProto {
  const graph = model.graph;
  if (!graph) throw new FilterlabError('FL_ERR_MODEL_LOAD', 'Expected an ONNX model with a graph');
  assertNoSubgraphs(graph, 'int8 quantization');
  const form = options.form ?? 'qdq';
  const opset = defaultOpset(model);
  if (opset < MIN_OPSET[form]) {
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected opset ${MIN_OPSET[form]} or later for ${form} int8 quantization but the model uses opset ${opset}`,
    );
  }
  const byName = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const ops = new Set<string>(options.ops ?? INT8_OPS);
  const rewrite: Rewrite = {
    names: new GraphNames(graph),
    nodes: [],
    initializers: [],
    perChannel: options.perChannel ?? true,
    opset,
    initializer: (name) => byName.get(name),
    floats: floatTensors(graph),
    memo: new Map(),
  };
  const apply = form === 'qdq' ? rewriteQdq : rewriteInteger;
  for (const node of graph.node ?? []) {
    const site = ops.has(node.opType ?? '') ? weightSite(node, byName) : undefined;
    if (!site || !apply(site, rewrite)) rewrite.nodes.push(node);
  }
  const used = new Set([
    ...rewrite.nodes.flatMap((n) => n.input ?? []),
    ...(graph.output ?? []).map((o) => o.name),
  ]);
  return {
    ...model,
    graph: {
      ...graph,
      node: rewrite.nodes,
      initializer: [...(graph.initializer ?? []), ...rewrite.initializers].filter((t) =>
        used.has(t.name ?? ''),
      ),
    },
  };
}

function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  return int64ToNumber(entry?.version);
}
