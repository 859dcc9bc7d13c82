import type { Image } from '../image/image.js';

/**
 * Pixels to and from the VAE's tensors. The SD VAE works on NCHW RGB in [-1, 1]: diffusers'
 * VaeImageProcessor normalizes with 2x - 1 and the ONNX pipelines denormalize the decoder output
 * with clip(x / 2 + 0.5, 0, 1).
 */

/** Interleaved RGB in [0, 1] -> a [1, 3, H, W] tensor's values in [-1, 1]. */
export function imageToVaeInput(image: Image): Float32Array {
  const plane = image.width * image.height;
  const src = image.data;
  const out = new Float32Array(plane * 3);
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    out[i] = 2 * src[s]! - 1;
    out[plane + i] = 2 * src[s + 1]! - 1;
    out[2 * plane + i] = 2 * src[s + 2]! - 1;
  }
  return out;
}

/** The first image of a decoder output [N, 3, H, W] in [-1, 1] -> interleaved RGB in [0, 1]. */
export function vaeOutputToImage(values: Float32Array, width: number, height: number): Image {
  const plane = width * height;
  const data = new Float32Array(plane * 3);
  for (let i = 0, d = 0; i < plane; i++, d += 3) {
    data[d] = unit(values[i]!);
    data[d + 1] = unit(values[plane + i]!);
    data[d + 2] = unit(values[2 * plane + i]!);
  }
  return { width, height, data };
}

function unit(v: number): number {
  const x = v / 2 + 0.5;
  return x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
}
