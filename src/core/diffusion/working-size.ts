import { FilterlabError, invalidArgument } from '../errors.js';

/**
 * The size a pipeline denoises at. The VAE halves the image `log2(factor)` times, so both sides
 * must be multiples of its factor (8 for SD). A size given explicitly must already be one
 * (silently changing what a user asked for hides mistakes); a photo's own size is scaled so
 * that its long side is `maxSide` (default: the model's native size) and each side is rounded to
 * the nearest multiple, which keeps the aspect ratio within one latent pixel. The pipeline
 * resizes its output back to the photo's size.
 */

export interface SizeOptions {
  /** Exact working width/height; each must be a multiple of the VAE factor. */
  width?: number;
  height?: number;
  /** Long side to scale a photo to (rounded to the VAE factor). */
  maxSide?: number;
}

export interface Size {
  width: number;
  height: number;
}

/**
 * @param source the photo's size for img2img; undefined for txt2img
 * @param factor the VAE's downsampling factor
 * @param nativeSide the UNet's native image side (sample_size x factor): 512 for SD 1.x and SD-Turbo
 */
export function workingSize(
  source: Size | undefined,
  options: SizeOptions,
  factor: number,
  nativeSide: number,
): Size {
  const { width, height, maxSide } = options;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (value !== undefined) checkMultiple(name, value, factor);
  }
  if (maxSide !== undefined && (!Number.isInteger(maxSide) || maxSide < factor)) {
    throw invalidArgument(`an integer >= ${factor}`, 'maxSide', maxSide);
  }
  if (width !== undefined && height !== undefined) return { width, height };
  const side = maxSide ?? nativeSide;
  if (!source)
    return { width: width ?? roundTo(side, factor), height: height ?? roundTo(side, factor) };
  const aspect = source.width / source.height;
  if (width !== undefined) return { width, height: roundTo(width / aspect, factor) };
  if (height !== undefined) return { width: roundTo(height * aspect, factor), height };
  const scale = side / Math.max(source.width, source.height);
  return {
    width: roundTo(source.width * scale, factor),
    height: roundTo(source.height * scale, factor),
  };
}

function checkMultiple(name: string, value: number, factor: number): void {
  if (!Number.isInteger(value) || value < factor || value % factor !== 0) {
    const below = Math.max(factor, Math.floor(value / factor) * factor);
    const hint = Number.isFinite(value) && value > 0 ? `; use ${below} or ${below + factor}` : '';
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected ${name} to be a positive multiple of ${factor} (the VAE's downsampling factor) but received ${value}${hint}, or give maxSide and let filterlab round`,
      { details: { name, factor } },
    );
  }
}

/** The nearest multiple of `factor`, at least `factor`. */
function roundTo(value: number, factor: number): number {
  return Math.max(factor, Math.round(value / factor) * factor);
}
