import type { Image } from '../image/image.js';

/**
 * Pixels to and from an autoencoder's tensors (NCHW RGB). The SD VAE works in [-1, 1]:
 * diffusers' VaeImageProcessor normalizes with 2x - 1 and the ONNX pipelines denormalize the
 * decoder output with clip(x / 2 + 0.5, 0, 1). TAESD's own models work in [0, 1].
 */
export type ImageRange = 'signed' | 'unit';

/** Interleaved RGB in [0, 1] -> a [1, 3, H, W] tensor's values in the model's range. */
export function imageToVaeInput(image: Image, range: ImageRange = 'signed'): Float32Array {
  const plane = image.width * image.height;
  const src = image.data;
  const out = new Float32Array(plane * 3);
  const [scale, offset] = range === 'signed' ? [2, -1] : [1, 0];
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    out[i] = scale * src[s]! + offset;
    out[plane + i] = scale * src[s + 1]! + offset;
    out[2 * plane + i] = scale * src[s + 2]! + offset;
  }
  return out;
}

/** The first image of a decoder output [N, 3, H, W] in the model's range -> RGB in [0, 1]. */
export function vaeOutputToImage(
  values: Float32Array,
  width: number,
  height: number,
  range: ImageRange = 'signed',
): Image {
  const plane = width * height;
  const data = new Float32Array(plane * 3);
  const [scale, offset] = range === 'signed' ? [0.5, 0.5] : [1, 0];
  const unit = (v: number) => {
    const x = v * scale + offset;
    return x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
  };
  for (let i = 0, d = 0; i < plane; i++, d += 3) {
    data[d] = unit(values[i]!);
    data[d + 1] = unit(values[plane + i]!);
    data[d + 2] = unit(values[2 * plane + i]!);
  }
  return { width, height, data };
}
