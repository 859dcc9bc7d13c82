import { invalidArgument } from '../errors.js';

/**
 * filterlab's own tensor type: what every module outside the runtime seams sees.
 * float16 data is kept as raw IEEE half bits in a Uint16Array.
 */
export type TensorType = 'float32' | 'float16' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  int8: Int8Array;
  bool: Uint8Array;
}

export type TensorData = TensorDataMap[TensorType];

export interface Tensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly data: TensorDataMap[T];
}

export function tensor<T extends TensorType>(
  type: T,
  data: TensorDataMap[T],
  dims: readonly number[],
): Tensor<T> {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw invalidArgument(`${size} values for dims [${dims.join(', ')}]`, 'tensor data', data);
  }
  return { type, data, dims: [...dims] };
}

export function float32(data: Float32Array, dims: readonly number[]): Tensor<'float32'> {
  return tensor('float32', data, dims);
}

export function tensorSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function assertFloat32(t: Tensor, name: string): asserts t is Tensor<'float32'> {
  if (t.type !== 'float32') throw invalidArgument('a float32 tensor', name, `a ${t.type} tensor`);
}
