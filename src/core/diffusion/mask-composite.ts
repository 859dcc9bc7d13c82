import { blurMask } from '../image/blur.js';
import type { Image, Mask } from '../image/image.js';
import { resizeImage, resizeMask } from '../image/resize.js';

/**
 * The last step of masked img2img: lay the generated image over the photo through the mask, in
 * pixel space. Latent blending (latent-mask.ts) works on an 8x coarser grid and the VAE round
 * trip changes every pixel a little, so without this the "unchanged" area would not be.
 *
 * The edge is feathered inwards only: the weight is min(mask, blur(mask)), which is exactly 0
 * wherever the mask is 0. Unmasked pixels are the photo's own values, bit for bit.
 */
export interface CompositeOptions {
  /** Blur sigma of the edge, in pixels of a 1024 px long side (as the blend step's feather). */
  feather: number;
}

export function compositeMasked(
  photo: Image,
  generated: Image,
  mask: Mask,
  options: CompositeOptions,
): Image {
  const { width, height } = photo;
  const top =
    generated.width === width && generated.height === height
      ? generated
      : resizeImage(generated, width, height);
  const hard =
    mask.width === width && mask.height === height ? mask : resizeMask(mask, width, height);
  const sigma = (options.feather * Math.max(width, height)) / 1024;
  const soft = sigma > 0 ? blurMask(hard, sigma).data : hard.data;
  const out = photo.data.slice();
  for (let p = 0, i = 0; p < hard.data.length; p++, i += 3) {
    const m = Math.min(hard.data[p]!, soft[p]!);
    if (!(m > 0)) continue;
    for (let c = 0; c < 3; c++) out[i + c] = out[i + c]! + m * (top.data[i + c]! - out[i + c]!);
  }
  return { width, height, data: out };
}
