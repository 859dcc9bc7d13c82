import { toFloat16Bits } from '../tensor/float16.js';
import type { Tensor } from '../tensor/tensor.js';
import type { PartsContract } from './parts.js';

/**
 * The UNet's timestep input in the dtype and shape its export declares. diffusers' ONNX pipelines
 * build it as np.array([t], dtype=timestep_dtype) (pipeline_onnx_stable_diffusion_img2img.py);
 * an integer dtype truncates as numpy's cast does (Euler's linspace timesteps are fractional).
 * A [batch] input gets t repeated once per batch entry.
 */
export function timestepTensor(t: number, unet: PartsContract['unet'], batch: number): Tensor {
  const count = unet.timestepDims === 'batch' ? batch : 1;
  const dims = unet.timestepDims === 'scalar' ? [] : [count];
  switch (unet.timestepType) {
    case 'int64':
      return { type: 'int64', dims, data: new BigInt64Array(count).fill(BigInt(Math.trunc(t))) };
    case 'int32':
      return { type: 'int32', dims, data: new Int32Array(count).fill(Math.trunc(t)) };
    case 'float32':
      return { type: 'float32', dims, data: new Float32Array(count).fill(t) };
    case 'float16':
      return { type: 'float16', dims, data: new Uint16Array(count).fill(toFloat16Bits(t)) };
  }
}
