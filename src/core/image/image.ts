import { invalidArgument } from '../errors.js';

/**
 * Decoded pixels: sRGB-encoded RGB, interleaved, row-major, float values in [0, 1].
 * Float keeps chains of steps free of 8-bit rounding; encode() quantises once at the end.
 */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** One channel of weights in [0, 1] at some resolution: 1 means "this pixel is selected". */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function createImage(width: number, height: number, data?: Float32Array): Image {
  assertSize(width, height);
  const length = width * height * 3;
  if (data && data.length !== length) {
    throw invalidArgument(
      `a Float32Array of ${length} values (${width}x${height}x3)`,
      'data',
      data,
    );
  }
  return { width, height, data: data ?? new Float32Array(length) };
}

export function createMask(width: number, height: number, data?: Float32Array): Mask {
  assertSize(width, height);
  const length = width * height;
  if (data && data.length !== length) {
    throw invalidArgument(`a Float32Array of ${length} values (${width}x${height})`, 'data', data);
  }
  return { width, height, data: data ?? new Float32Array(length) };
}

export function fillMask(width: number, height: number, value: number): Mask {
  return createMask(width, height, new Float32Array(width * height).fill(value));
}

export function cloneImage(image: Image): Image {
  return { width: image.width, height: image.height, data: image.data.slice() };
}

/** Build an image from 8-bit interleaved RGB bytes. */
export function imageFromRgb8(width: number, height: number, rgb: Uint8Array): Image {
  const image = createImage(width, height);
  bytesToUnit(rgb, image.data);
  return image;
}

/** v / 255 for each byte value v. Constant: filled once here, never written. */
const UNIT_OF_BYTE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * out[i] = bytes[i] / 255 for every value of `out`. A table read per sample is about twice as
 * fast as a division, and gives the same float32 values.
 */
export function bytesToUnit(bytes: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = UNIT_OF_BYTE[bytes[i]!]!;
}

/** Quantise to 8-bit interleaved RGB, rounding to nearest and clamping. */
export function imageToRgb8(image: Image): Uint8Array {
  const src = image.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * 255 + 0.5;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return out;
}

export function maskToGray8(mask: Mask): Uint8Array {
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = mask.data[i]! * 255 + 0.5;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return out;
}

export function sameSize(
  a: { width: number; height: number },
  b: { width: number; height: number },
): boolean {
  return a.width === b.width && a.height === b.height;
}

function assertSize(width: number, height: number): void {
  if (!Number.isInteger(width) || width <= 0)
    throw invalidArgument('positive integer', 'width', width);
  if (!Number.isInteger(height) || height <= 0)
    throw invalidArgument('positive integer', 'height', height);
}
