import type { Image } from '../image/image.js';
import type { Point } from './face.js';

/**
 * A 2-D affine map [a, b, c, d, e, f]: (x, y) -> (a x + b y + c, d x + e y + f).
 *
 * Coordinates are continuous: an image of width W spans [0, W], and pixel i covers [i, i + 1],
 * so its centre is i + 0.5. Boxes, keypoints and landmarks all use this convention.
 */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

export function applyAffine(m: Affine, p: readonly [number, number, ...number[]]): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** The map that applies `second` after `first`. */
export function composeAffine(second: Affine, first: Affine): Affine {
  const [a, b, c, d, e, f] = second;
  const [g, h, i, j, k, l] = first;
  return [
    a * g + b * j,
    a * h + b * k,
    a * i + b * l + c,
    d * g + e * j,
    d * h + e * k,
    d * i + e * l + f,
  ];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12)
    throw new RangeError('affine map is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Scale (uniform) of an affine map: the square root of its area factor. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Similarity map (rotation, uniform scale, translation) mapping `center` to the centre of a
 * `size` square, with `side` source pixels across it and the source rotated by -`angle`
 * (so a face tilted by `angle` comes out upright). Returns the destination-to-source map.
 */
export function squareCropMap(center: Point, side: number, angle: number, size: number): Affine {
  const s = side / size;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  const h = size / 2;
  // dst (u, v) -> src: center + R(angle) * s * (u - h, v - h)
  return [cos, -sin, center[0] - cos * h + sin * h, sin, cos, center[1] - sin * h - cos * h];
}

export interface SampleOptions {
  /** Output value range that pixel values 0 and 1 map to; default [0, 1]. */
  range?: readonly [number, number];
  /** Value (in output range units) outside the source; default: the value of black. */
  fill?: number;
}

/**
 * Sample an RGB image through `dstToSrc` into a width x height NHWC float buffer, bilinear.
 * Strong downscales are box-filtered first so that small model inputs do not alias.
 */
export function sampleRgb(
  image: Image,
  dstToSrc: Affine,
  width: number,
  height: number,
  options: SampleOptions = {},
): Float32Array {
  const [lo, hi] = options.range ?? [0, 1];
  const fill = options.fill ?? lo;
  const factor = Math.floor(affineScale(dstToSrc));
  const src = factor >= 2 ? boxDownscale(image, factor) : image;
  const map =
    factor >= 2 ? composeAffine([1 / factor, 0, 0, 0, 1 / factor, 0], dstToSrc) : dstToSrc;
  const out = new Float32Array(width * height * 3);
  const scale = hi - lo;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x + 0.5;
      const v = y + 0.5;
      const sx = map[0] * u + map[1] * v + map[2] - 0.5;
      const sy = map[3] * u + map[4] * v + map[5] - 0.5;
      const o = (y * width + x) * 3;
      bilinearRgb(src, sx, sy, out, o);
      if (Number.isNaN(out[o]!)) {
        out[o] = out[o + 1] = out[o + 2] = fill;
      } else {
        out[o] = lo + scale * out[o]!;
        out[o + 1] = lo + scale * out[o + 1]!;
        out[o + 2] = lo + scale * out[o + 2]!;
      }
    }
  }
  return out;
}

/** Bilinear RGB sample at pixel-index coordinates; writes NaN when fully outside. */
function bilinearRgb(image: Image, sx: number, sy: number, out: Float32Array, o: number): void {
  const { width: w, height: h, data } = image;
  if (sx < -1 || sy < -1 || sx > w || sy > h) {
    out[o] = Number.NaN;
    return;
  }
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const xa = clampInt(x0, w);
  const xb = clampInt(x0 + 1, w);
  const ya = clampInt(y0, h);
  const yb = clampInt(y0 + 1, h);
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  const p00 = (ya * w + xa) * 3;
  const p10 = (ya * w + xb) * 3;
  const p01 = (yb * w + xa) * 3;
  const p11 = (yb * w + xb) * 3;
  for (let c = 0; c < 3; c++) {
    out[o + c] =
      w00 * data[p00 + c]! + w10 * data[p10 + c]! + w01 * data[p01 + c]! + w11 * data[p11 + c]!;
  }
}

/** Bilinear sample of a 1-channel buffer at pixel-index coordinates, edge-clamped. */
export function bilinearGray(
  data: Float32Array,
  w: number,
  h: number,
  sx: number,
  sy: number,
): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const xa = clampInt(x0, w);
  const xb = clampInt(x0 + 1, w);
  const ya = clampInt(y0, h);
  const yb = clampInt(y0 + 1, h);
  const top = data[ya * w + xa]! * (1 - fx) + data[ya * w + xb]! * fx;
  const bottom = data[yb * w + xa]! * (1 - fx) + data[yb * w + xb]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Resize a 1-channel buffer bilinearly (pixel centres aligned, like tf.image.resizeBilinear with halfPixelCenters). */
export function resizeGray(
  data: Float32Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const py = (y + 0.5) * sy - 0.5;
    for (let x = 0; x < outW; x++)
      out[y * outW + x] = bilinearGray(data, w, h, (x + 0.5) * sx - 0.5, py);
  }
  return out;
}

/** Average k x k blocks (the last partial block averages what it has). */
export function boxDownscale(image: Image, k: number): Image {
  const w = Math.ceil(image.width / k);
  const h = Math.ceil(image.height / k);
  const out = new Float32Array(w * h * 3);
  const { width: W, height: H, data } = image;
  for (let y = 0; y < h; y++) {
    const y1 = Math.min(H, (y + 1) * k);
    for (let x = 0; x < w; x++) {
      const x1 = Math.min(W, (x + 1) * k);
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let yy = y * k; yy < y1; yy++) {
        for (let xx = x * k; xx < x1; xx++) {
          const p = (yy * W + xx) * 3;
          r += data[p]!;
          g += data[p + 1]!;
          b += data[p + 2]!;
          n++;
        }
      }
      const o = (y * w + x) * 3;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
    }
  }
  return { width: w, height: h, data: out };
}

function clampInt(v: number, n: number): number {
  return v < 0 ? 0 : v >= n ? n - 1 : v;
}
