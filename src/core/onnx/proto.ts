/**
 * The ONNX protobuf seam: the one module that imports `onnx-proto` (protobufjs static code of
 * the ONNX v1.10 protos). Fixture scripts, the graph builder and the model optimizer read and
 * write models through the functions and types here.
 */
import onnxProto from 'onnx-proto';
import { FilterlabError, invalidArgument } from '../errors.js';
import { tensorSize, type Tensor, type TensorDataMap, type TensorType } from '../tensor/tensor.js';

// onnx-proto is CommonJS without named-export hints, so ESM sees only its default export.
const { onnx } = onnxProto;

export type ModelProto = onnxProto.onnx.IModelProto;
/** What `decodeModel` returns: repeated fields are arrays (empty when absent), int64s are Longs. */
export type DecodedModel = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type OperatorSetIdProto = onnxProto.onnx.IOperatorSetIdProto;

/** TensorProto.DataType numbers, as stored in `dataType` and `elemType` fields. */
export const DataType = onnx.TensorProto.DataType;
/** AttributeProto.AttributeType numbers, as stored in `type`. */
export const AttributeType = onnx.AttributeProto.AttributeType;

/** The IR version the builder writes: ONNX 1.10+ files; onnxruntime 1.30 reads up to IR 10. */
export const IR_VERSION = 8;

/** ONNX data type number of each filterlab tensor type. */
export const ONNX_DATA_TYPE: Readonly<Record<TensorType, number>> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  bool: DataType.BOOL,
};

const TENSOR_TYPE_OF = new Map<number, TensorType>(
  Object.entries(ONNX_DATA_TYPE).map(([type, code]) => [code, type as TensorType]),
);

/** The filterlab tensor type of an ONNX data type number, or undefined when it has none. */
export function tensorTypeOf(dataType: number | null | undefined): TensorType | undefined {
  return dataType == null ? undefined : TENSOR_TYPE_OF.get(dataType);
}

/** protobufjs decodes int64 fields as Long objects (when `long` is installed) or numbers. */
export type Int64Like = number | { low: number; high: number; toNumber(): number };

/** For dims and attribute ints, which are far below 2^53. */
export function int64ToNumber(value: Int64Like | null | undefined): number {
  if (value == null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export function int64ToBigInt(value: Int64Like | null | undefined): bigint {
  if (value == null) return 0n;
  if (typeof value === 'number') return BigInt(value);
  return BigInt.asIntN(64, (BigInt(value.high) << 32n) | BigInt(value.low >>> 0));
}

export function decodeModel(bytes: Uint8Array): DecodedModel {
  if (bytes.byteLength === 0) {
    throw new FilterlabError('FL_ERR_MODEL_LOAD', 'Expected ONNX model bytes but received 0 bytes');
  }
  let model: DecodedModel;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected an ONNX ModelProto but the ${bytes.byteLength} bytes do not decode: ${(cause as Error).message}`,
      { cause },
    );
  }
  // Protobuf accepts many byte strings as some message; a model without a graph is not one.
  if (!model.graph) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected an ONNX ModelProto with a graph but the ${bytes.byteLength} bytes have none`,
    );
  }
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw invalidArgument('a valid ONNX ModelProto', 'model', problem);
  return onnx.ModelProto.encode(model).finish();
}

/** A TensorProto (initializer) holding `t` as little-endian raw data. */
export function tensorToProto(name: string, t: Tensor): TensorProto {
  if (t.data.length !== tensorSize(t.dims)) {
    throw invalidArgument(
      `${tensorSize(t.dims)} values for dims [${t.dims.join(', ')}]`,
      `initializer ${name}`,
      t.data,
    );
  }
  // Typed arrays use the host byte order; every platform Node and ORT ship on is little-endian,
  // which is what ONNX raw_data requires.
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { name, dataType: ONNX_DATA_TYPE[t.type], dims: [...t.dims], rawData: raw };
}

/** The values of a TensorProto (raw_data or the typed repeated fields) as a filterlab Tensor. */
export function tensorFromProto(p: TensorProto): Tensor {
  const type = tensorTypeOf(p.dataType);
  const name = p.name ?? '(unnamed)';
  if (!type) throw unsupported(name, p.dataType);
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected tensor ${name} inline but its data is in an external file`,
    );
  }
  const dims = (p.dims ?? []).map(int64ToNumber);
  const data =
    p.rawData && p.rawData.byteLength > 0 ? fromRaw(type, p.rawData) : fromFields(type, p);
  if (data.length !== tensorSize(dims)) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected ${tensorSize(dims)} values for tensor ${name} [${dims.join(', ')}] but it holds ${data.length}`,
    );
  }
  return { type, dims, data } as Tensor;
}

const ARRAY_OF: {
  [T in TensorType]: { BYTES_PER_ELEMENT: number; new (b: ArrayBuffer): TensorDataMap[T] };
} = {
  float32: Float32Array,
  float16: Uint16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

function fromRaw(type: TensorType, raw: Uint8Array): TensorDataMap[TensorType] {
  const ArrayType = ARRAY_OF[type];
  if (raw.byteLength % ArrayType.BYTES_PER_ELEMENT !== 0) {
    throw new FilterlabError(
      'FL_ERR_MODEL_LOAD',
      `Expected raw_data of a ${type} tensor to be a multiple of ${ArrayType.BYTES_PER_ELEMENT} bytes but received ${raw.byteLength}`,
    );
  }
  // Copy: a decoded field is a view into the model buffer at an arbitrary (unaligned) offset.
  return new ArrayType(new Uint8Array(raw).buffer);
}

/** Per the ONNX spec, float16, int8, uint8 and bool values sit in int32_data when not raw. */
function fromFields(type: TensorType, p: TensorProto): TensorDataMap[TensorType] {
  switch (type) {
    case 'float32':
      return Float32Array.from(p.floatData ?? []);
    case 'int64':
      return BigInt64Array.from((p.int64Data ?? []).map(int64ToBigInt));
    case 'float16':
      return Uint16Array.from(p.int32Data ?? []);
    case 'int32':
      return Int32Array.from(p.int32Data ?? []);
    case 'int8':
      return Int8Array.from(p.int32Data ?? []);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(p.int32Data ?? []);
  }
}

function unsupported(name: string, dataType: number | null | undefined): FilterlabError {
  const label = dataType == null ? 'none' : (DataType[dataType] ?? String(dataType));
  return new FilterlabError(
    'FL_ERR_MODEL_LOAD',
    `Expected tensor ${name} of type ${Object.keys(ONNX_DATA_TYPE).join(', ')} but received data type ${label}`,
  );
}
