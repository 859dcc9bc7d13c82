import type { Mask } from '../image/image.js';

/**
 * Masked img2img in latent space, the blending diffusers' StableDiffusionInpaintPipeline does for
 * 4-channel (non-inpainting) UNets, after RePaint (Lugmayr et al. 2022,
 * https://arxiv.org/abs/2201.09865): after every step, where the mask is 0 the latents are
 * replaced by the original image's latents noised to the next step's level, so the unmasked
 * region follows the photo and the masked region is denoised in context.
 *
 *   latents = mask * latents + (1 - mask) * add_noise(image_latents, noise, next timestep)
 */

/**
 * The mask (1 = diffusion may change this pixel) on the latent grid: each latent pixel gets the
 * mean of the mask pixels it covers (the mask may have the photo's size, not the working size).
 */
export function latentMask(mask: Mask, latentWidth: number, latentHeight: number): Float32Array {
  const out = new Float32Array(latentWidth * latentHeight);
  const xs = spans(mask.width, latentWidth);
  const ys = spans(mask.height, latentHeight);
  for (let ly = 0; ly < latentHeight; ly++) {
    const [y0, y1] = [ys[2 * ly]!, ys[2 * ly + 1]!];
    for (let lx = 0; lx < latentWidth; lx++) {
      const [x0, x1] = [xs[2 * lx]!, xs[2 * lx + 1]!];
      let sum = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) sum += mask.data[y * mask.width + x]!;
      out[ly * latentWidth + lx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** [start, end) of the source pixels under each of `cells` output cells (at least one each). */
function spans(size: number, cells: number): Int32Array {
  const out = new Int32Array(2 * cells);
  for (let i = 0; i < cells; i++) {
    const start = Math.min(size - 1, Math.floor((i * size) / cells));
    out[2 * i] = start;
    out[2 * i + 1] = Math.max(start + 1, Math.floor(((i + 1) * size) / cells));
  }
  return out;
}

/**
 * Blend in place: `latents` [channels, plane] where `mask` [plane] is 1, `reference` where 0.
 * Channels share the mask.
 */
export function blendLatents(
  latents: Float32Array,
  reference: Float32Array,
  mask: Float32Array,
): Float32Array {
  const plane = mask.length;
  for (let offset = 0; offset < latents.length; offset += plane) {
    for (let p = 0; p < plane; p++) {
      const i = offset + p;
      const r = reference[i]!;
      latents[i] = r + mask[p]! * (latents[i]! - r);
    }
  }
  return latents;
}
