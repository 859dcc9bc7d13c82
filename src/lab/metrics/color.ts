import { invalidArgument } from '../../core/errors.js';
import type { Image } from '../../core/image/image.js';
import {
  fastSrgbToLinearClamped,
  srgbToLinear as exactSrgbToLinear,
} from '../../core/image/srgb.js';

/**
 * Colour conversions the metrics share: sRGB → linear RGB → CIE XYZ (D65) → CIELAB, and
 * BT.601 luma.
 *
 * References:
 * - sRGB transfer function: IEC 61966-2-1:1999, section 4.2 (linear segment below 0.04045).
 * - sRGB → XYZ matrix and the D65 white (0.95047, 1, 1.08883): Bruce Lindbloom, "RGB/XYZ
 *   Matrices" and "XYZ to Lab", http://www.brucelindbloom.com/ — with this white, sRGB white
 *   maps to L*a*b* (100, 0, 0) exactly, and sRGB red to (53.2408, 80.0925, 67.2032).
 * - CIELAB: CIE 15:2004, with the exact constants ε = 216/24389 and κ = 24389/27 (Lindbloom)
 *   rather than the rounded 0.008856 / 7.787.
 * - Luma: ITU-R BT.601, Y' = 0.299 R' + 0.587 G' + 0.114 B' on gamma-encoded values, which is
 *   what OpenCV's COLOR_RGB2GRAY and MATLAB's rgb2gray compute.
 */

/** One CIELAB colour: [L*, a*, b*]. */
export type Lab = readonly [number, number, number];

const WHITE_X = 0.95047;
const WHITE_Y = 1;
const WHITE_Z = 1.08883;
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

/** The exact sRGB decoding curve (IEC 61966-2-1); values outside [0, 1] are clamped. */
export function srgbToLinear(value: number): number {
  return exactSrgbToLinear(value <= 0 ? 0 : value >= 1 ? 1 : value);
}

/** srgbToLinear through core's interpolated table: clamped to [0, 1], within 3e-8 of the curve. */
export const srgbToLinearFast = fastSrgbToLinearClamped;

function labF(t: number): number {
  return t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

// The same idea as core's sRGB table (image/srgb.ts), for the cube root of CIELAB's f(t), which
// dominates the cost of imageToLab: a 2048-step table over [0, 1.1] gives a start within 2e-5
// and one Newton step brings it within 3e-8 of Math.cbrt, at half the cost. Clamped inputs keep
// t ≤ 1.0000001, so the Math.cbrt branch is only a guard.
const CBRT_STEPS = 2048;
const CBRT_TOP = 1.1;
const CBRT_LUT = Float64Array.from({ length: CBRT_STEPS + 2 }, (_, i) =>
  Math.cbrt((i / CBRT_STEPS) * CBRT_TOP),
);

function labFFast(t: number): number {
  if (t <= EPSILON) return (KAPPA * t + 16) / 116;
  if (t >= CBRT_TOP) return Math.cbrt(t);
  const x = t * (CBRT_STEPS / CBRT_TOP);
  const i = x | 0;
  const lo = CBRT_LUT[i]!;
  const y = lo + (CBRT_LUT[i + 1]! - lo) * (x - i);
  return y - (y * y * y - t) / (3 * y * y);
}

/** CIELAB of one linear-light RGB triple (each in [0, 1]). */
export function linearRgbToLab(r: number, g: number, b: number): Lab {
  const fx = labF((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE_X);
  const fy = labF((0.2126729 * r + 0.7151522 * g + 0.072175 * b) / WHITE_Y);
  const fz = labF((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE_Z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIELAB of one sRGB triple with channels in [0, 1] (exact curve, for single colours). */
export function srgbToLab(r: number, g: number, b: number): Lab {
  return linearRgbToLab(srgbToLinear(r), srgbToLinear(g), srgbToLinear(b));
}

/**
 * CIELAB of every pixel, interleaved [L*, a*, b*, L*, ...] (L* in [0, 100]), within 2e-5 of
 * srgbToLab (both curves go through the tables above; the worst case is near black, where L*
 * is steepest), far below the 1 ΔE00 of a just-noticeable difference. Channels outside [0, 1]
 * are clamped first, as encoding the image would. Pass `out` to reuse a buffer.
 */
export function imageToLab(image: Image, out?: Float32Array): Float32Array {
  const src = image.data;
  const lab = out ?? new Float32Array(src.length);
  if (lab.length !== src.length) {
    throw invalidArgument(`a Float32Array of ${src.length} values`, 'out', lab);
  }
  for (let i = 0; i < src.length; i += 3) writeLab(src, i, lab, i);
  return lab;
}

/**
 * CIELAB of the sRGB pixel at src[i..i+2] into out[o..o+2], as imageToLab computes it; for
 * loops that need only some pixels (under a mask) and want to allocate nothing.
 */
export function writeLab(src: Float32Array, i: number, out: Float32Array, o: number): void {
  const r = srgbToLinearFast(src[i]!);
  const g = srgbToLinearFast(src[i + 1]!);
  const b = srgbToLinearFast(src[i + 2]!);
  const fx = labFFast((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE_X);
  const fy = labFFast(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const fz = labFFast((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE_Z);
  out[o] = 116 * fy - 16;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
}

/**
 * BT.601 luma of every pixel on the 8-bit scale [0, 255] (data range 255), unrounded, in
 * float64 so SSIM's second moments do not lose digits.
 */
export function imageLuma(image: Image, out?: Float64Array): Float64Array {
  const src = image.data;
  const pixels = image.width * image.height;
  const luma = out ?? new Float64Array(pixels);
  if (luma.length !== pixels) {
    throw invalidArgument(`a Float64Array of ${pixels} values`, 'out', luma);
  }
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    luma[p] = 255 * (0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!);
  }
  return luma;
}
