import {
  DataType,
  int64ToNumber,
  type ModelProto,
  type TensorProto,
} from '../../core/onnx/proto.js';

const BYTES_PER_ELEMENT = new Map<number, number>([
  [DataType.FLOAT, 4],
  [DataType.FLOAT16, 2],
  [DataType.INT8, 1],
  [DataType.UINT8, 1],
  [DataType.INT32, 4],
  [DataType.INT64, 8],
  [DataType.DOUBLE, 8],
  [DataType.BOOL, 1],
]);

/** Bytes of a model's initializers, in total and by ONNX data type name. */
export interface WeightStats {
  bytes: number;
  byType: Record<string, number>;
}

export function weightStats(model: ModelProto): WeightStats {
  const byType: Record<string, number> = {};
  let bytes = 0;
  for (const t of model.graph?.initializer ?? []) {
    const n = tensorBytes(t);
    const type = DataType[t.dataType ?? 0] ?? String(t.dataType);
    byType[type] = (byType[type] ?? 0) + n;
    bytes += n;
  }
  return { bytes, byType };
}

function tensorBytes(t: TensorProto): number {
  if (t.rawData?.byteLength) return t.rawData.byteLength;
  const elements = (t.dims ?? []).reduce<number>((a, d) => a * int64ToNumber(d), 1);
  return elements * (BYTES_PER_ELEMENT.get(t.dataType ?? 0) ?? 4);
}
