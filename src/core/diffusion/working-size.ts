import { FilterlabError, invalidArgument } from '../errors.js';

/**
 * The size a pipeline denoises at. The VAE halves the image log2(vaeFactor) times (8 for SD) and
 * the UNet halves the latents log2(unetFactor) more times in its down blocks (8 for SD: three
 * stride-2 downsamplers), so a real UNet needs image sides that are multiples of
 * vaeFactor x unetFactor (64 for SD). With anything else its traced up-blocks upsample 7 to 14
 * where the skip connection has 13, and ONNX Runtime fails in Concat (onnx/onnx#5359).
 *
 * A size given explicitly must already be a multiple (silently changing what a user asked for
 * hides mistakes); a photo's own size is scaled so that its long side is `maxSide` (default: the
 * model's native size) and each side is rounded to the nearest multiple, which keeps the aspect
 * ratio within half a multiple. The pipeline resizes its output back to the photo's size.
 */

export interface SizeOptions {
  /** Exact working width/height; each must be a multiple of the size grid (64 for SD). */
  width?: number;
  height?: number;
  /** Long side to scale a photo to (each side rounded to the size grid). */
  maxSide?: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Both factors come from the model's configs (block_out_channels of the VAE and the UNet). */
export interface SizeGrid {
  /** Image pixels per latent pixel. */
  vaeFactor: number;
  /** Latent pixels per pixel of the UNet's innermost block. */
  unetFactor: number;
}

/** The multiple every working side must be. */
export function sizeMultiple(grid: SizeGrid): number {
  return grid.vaeFactor * grid.unetFactor;
}

/**
 * @param source the photo's size for img2img; undefined for txt2img
 * @param grid the model's downsampling factors
 * @param nativeSide the UNet's native image side (sample_size x vaeFactor): 512 for SD 1.x and SD-Turbo
 */
export function workingSize(
  source: Size | undefined,
  options: SizeOptions,
  grid: SizeGrid,
  nativeSide: number,
): Size {
  const { width, height, maxSide } = options;
  const multiple = sizeMultiple(grid);
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (value !== undefined) checkMultiple(name, value, grid);
  }
  if (maxSide !== undefined && (!Number.isInteger(maxSide) || maxSide < multiple)) {
    throw invalidArgument(`an integer >= ${multiple}`, 'maxSide', maxSide);
  }
  if (width !== undefined && height !== undefined) return { width, height };
  const side = maxSide ?? nativeSide;
  if (!source)
    return { width: width ?? roundTo(side, multiple), height: height ?? roundTo(side, multiple) };
  const aspect = source.width / source.height;
  if (width !== undefined) return { width, height: roundTo(width / aspect, multiple) };
  if (height !== undefined) return { width: roundTo(height * aspect, multiple), height };
  const scale = side / Math.max(source.width, source.height);
  return {
    width: roundTo(source.width * scale, multiple),
    height: roundTo(source.height * scale, multiple),
  };
}

function checkMultiple(name: string, value: number, grid: SizeGrid): void {
  const multiple = sizeMultiple(grid);
  if (!Number.isInteger(value) || value < multiple || value % multiple !== 0) {
    const below = Math.max(multiple, Math.floor(value / multiple) * multiple);
    const hint = Number.isFinite(value) && value > 0 ? `; use ${below} or ${below + multiple}` : '';
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected ${name} to be a positive multiple of ${multiple} (the VAE's factor ${grid.vaeFactor} x the UNet's ` +
        `downsampling ${grid.unetFactor}) but received ${value}${hint}, or give maxSide and let filterlab round`,
      { details: { name, multiple } },
    );
  }
}

/** The nearest multiple of `multiple`, at least `multiple`. */
function roundTo(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}
