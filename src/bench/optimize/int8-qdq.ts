/** The qdq form of int8 weights: int8 initializer → DequantizeLinear → the original float op. */
import { tensorToProto } from '../../core/onnx/proto.js';
import { intAttr, outputAxis, type Rewrite, type WeightSite } from './int8-site.js';
import { quantizeSymmetric } from './quantize-weights.js';

/** DequantizeLinear takes an `axis` (per-channel scales) from opset 13. */
const PER_CHANNEL_OPSET = 13;

export function rewriteQdq(site: WeightSite, rw: Rewrite): boolean {
  const axis = rw.perChannel && rw.opset >= PER_CHANNEL_OPSET ? outputAxis(site) : undefined;
  const key = `qdq:${site.weightName}:${axis ?? '-'}`;
  let out = rw.memo.get(key)?.[0];
  if (!out) {
    out = dequantizedWeight(site, axis, rw);
    rw.memo.set(key, [out]);
  }
  const input = [...(site.node.input ?? [])];
  input[site.slot] = out;
  rw.nodes.push({ ...site.node, input });
  return true;
}

function dequantizedWeight(site: WeightSite, axis: number | undefined, rw: Rewrite): string {
  const { weight, weightName } = site;
  const q = quantizeSymmetric(weight.data, weight.dims, axis);
  const scaleDims = axis === undefined ? [] : [q.scales.length];
  const names = {
    values: rw.names.fresh(`${weightName}.int8`),
    scale: rw.names.fresh(`${weightName}.scale`),
    zeroPoint: rw.names.fresh(`${weightName}.zero_point`),
    out: rw.names.fresh(`${weightName}.dequantized`),
  };
  rw.initializers.push(
    tensorToProto(names.values, { type: 'int8', dims: weight.dims, data: q.values }),
    tensorToProto(names.scale, { type: 'float32', dims: scaleDims, data: q.scales }),
    tensorToProto(names.zeroPoint, {
      type: 'int8',
      dims: scaleDims,
      data: new Int8Array(q.scales.length),
    }),
  );
  rw.nodes.push({
    name: rw.names.fresh(`${weightName}.dequantize`),
    opType: 'DequantizeLinear',
    input: [names.values, names.scale, names.zeroPoint],
    output: [names.out],
    attribute: axis === undefined ? [] : [intAttr('axis', axis)],
  });
  return names.out;
}
