import { FilterlabError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** An NHWC float32 batch of one image. */
export function nhwc(
  data: Float32Array,
  height: number,
  width: number,
  channels = 3,
): Tensor<'float32'> {
  return { type: 'float32', dims: [1, height, width, channels], data };
}

/** The float32 data of a named model output, or a contract error naming what came back. */
export function floatOutput(
  outputs: Record<string, Tensor>,
  name: string,
  model: string,
): Float32Array {
  const t = outputs[name];
  if (!t || t.type !== 'float32') {
    const got = Object.entries(outputs)
      .map(([n, v]) => `${n}: ${v.type}[${v.dims.join(',')}]`)
      .join(', ');
    throw new FilterlabError(
      'FL_ERR_MODEL_CONTRACT',
      `Expected a float32 output ${name} from ${model} but received {${got}}`,
    );
  }
  return t.data as Float32Array;
}
