import { FilterlabError } from '../errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../tensor/float16.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FloatType } from './parts.js';

/**
 * The pipeline computes in float32; a float16 model takes and gives float16 (the dtype its
 * session declares), so values cross over here. `scratch` buffers let the denoising loop reuse
 * memory across steps instead of allocating per step.
 */

/** `values` as a tensor of `type`: the same array for float32, float16 bits otherwise. */
export function toModelFloats(
  values: Float32Array,
  type: FloatType,
  dims: readonly number[],
  scratch?: Uint16Array,
): Tensor {
  if (type === 'float32') return { type, dims, data: values };
  return { type, dims, data: float32ToFloat16(values, scratch) };
}

/** A model's float output as float32: its own data when float32, converted into `out` otherwise. */
export function fromModelFloats(t: Tensor, name: string, out?: Float32Array): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return float16ToFloat32(t.data as Uint16Array, out);
  throw new FilterlabError(
    'FL_ERR_MODEL_CONTRACT',
    `Expected ${name} to be float32 or float16 but it is ${t.type}`,
  );
}

/**
 * The UNet's sample for a batch of identical entries (classifier-free guidance runs the same
 * latents twice): `values` holds the first entry in its first `n` values and room for `batch`.
 * A float16 model gets the first entry converted once and its bits copied, not each copy converted.
 */
export function batchedModelInput(
  values: Float32Array,
  n: number,
  batch: number,
  type: FloatType,
  dims: readonly number[],
  scratch?: Uint16Array,
): Tensor {
  if (type === 'float32') {
    for (let b = 1; b < batch; b++) values.copyWithin(b * n, 0, n);
    return { type, dims, data: values };
  }
  const bits = scratch ?? new Uint16Array(batch * n);
  float32ToFloat16(values.subarray(0, n), bits.subarray(0, n));
  for (let b = 1; b < batch; b++) bits.copyWithin(b * n, 0, n);
  return { type, dims, data: bits };
}
