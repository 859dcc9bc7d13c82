import { invalidArgument, throwIfAborted } from '../errors.js';
import { createImage, type Image } from '../image/image.js';
import { cropImage } from '../image/resize.js';
import { padImage } from './letterbox.js';

export interface TileOptions {
  /** Tile edge in input pixels. */
  size: number;
  /** Pixels shared by neighbouring tiles; seams are feathered across them. */
  overlap: number;
  /** Output / input size ratio of the model (2 for a 2x upscaler). Default 1. */
  scale?: number;
  signal?: AbortSignal;
  onTile?: (done: number, total: number) => void;
}

/** Start offsets covering [0, length) with tiles of `size` overlapping by at least `overlap`. */
export function tileStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const stride = size - overlap;
  const count = Math.ceil((length - overlap) / stride);
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(Math.min(i * stride, length - size));
  return [...new Set(starts)];
}

/**
 * Run an image model tile by tile. Each tile's contribution ramps linearly to zero across
 * the overlap on sides that touch another tile, so seams blend instead of showing edges.
 * Images smaller than a tile are edge-padded to the tile size and the output cropped back.
 */
export async function runTiled(
  image: Image,
  options: TileOptions,
  run: (tile: Image) => Promise<Image>,
): Promise<Image> {
  const { size, overlap } = options;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(size) || size <= 0)
    throw invalidArgument('positive integer', 'tile size', size);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 >= size) {
    throw invalidArgument(`integer in [0, ${Math.ceil(size / 2) - 1}]`, 'tile overlap', overlap);
  }
  const padded = padImage(image, Math.max(size, image.width), Math.max(size, image.height));
  const xs = tileStarts(padded.width, size, overlap);
  const ys = tileStarts(padded.height, size, overlap);
  const outW = Math.round(padded.width * scale);
  const outH = Math.round(padded.height * scale);
  const acc = new Float32Array(outW * outH * 3);
  const weight = new Float32Array(outW * outH);
  const total = xs.length * ys.length;
  let done = 0;
  for (const ty of ys) {
    for (const tx of xs) {
      throwIfAborted(options.signal);
      const out = await run(cropImage(padded, tx, ty, size, size));
      const ox = Math.round(tx * scale);
      const oy = Math.round(ty * scale);
      const feather = overlap * scale;
      const rampX = ramp(out.width, feather, tx > 0, tx + size < padded.width);
      const rampY = ramp(out.height, feather, ty > 0, ty + size < padded.height);
      for (let y = 0; y < out.height && oy + y < outH; y++) {
        for (let x = 0; x < out.width && ox + x < outW; x++) {
          const wgt = rampX[x]! * rampY[y]!;
          const o = (oy + y) * outW + ox + x;
          const s = (y * out.width + x) * 3;
          acc[o * 3]! += out.data[s]! * wgt;
          acc[o * 3 + 1]! += out.data[s + 1]! * wgt;
          acc[o * 3 + 2]! += out.data[s + 2]! * wgt;
          weight[o]! += wgt;
        }
      }
      options.onTile?.(++done, total);
    }
  }
  const result = createImage(outW, outH);
  for (let i = 0; i < weight.length; i++) {
    const inv = weight[i]! > 0 ? 1 / weight[i]! : 0;
    result.data[i * 3] = acc[i * 3]! * inv;
    result.data[i * 3 + 1] = acc[i * 3 + 1]! * inv;
    result.data[i * 3 + 2] = acc[i * 3 + 2]! * inv;
  }
  const cropW = Math.round(image.width * scale);
  const cropH = Math.round(image.height * scale);
  return cropW === outW && cropH === outH ? result : cropImage(result, 0, 0, cropW, cropH);
}

/** Weights along one tile axis: a linear ramp over `feather` samples on sides with a neighbour. */
function ramp(length: number, feather: number, rampStart: boolean, rampEnd: boolean): Float32Array {
  const w = new Float32Array(length).fill(1);
  if (feather <= 0) return w;
  for (let i = 0; i < length; i++) {
    const fromStart = (i + 0.5) / feather;
    const fromEnd = (length - i - 0.5) / feather;
    let v = 1;
    if (rampStart) v = Math.min(v, fromStart);
    if (rampEnd) v = Math.min(v, fromEnd);
    w[i] = Math.max(1e-4, Math.min(1, v));
  }
  return w;
}
