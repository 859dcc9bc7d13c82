import { invalidArgument } from '../errors.js';

/**
 * Decoded pixels: sRGB-encoded RGB, interleaved, row-major, float values in [0, 1].
 * Float keeps chains of steps free of 8-bit rounding; encode() quantises once at the end.
 * Images are never changed in place: a step makes a new one.
 */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * An image whose float pixels are made only when someone reads `data`. A photo decoded from
 * 8-bit, or a model output, often goes straight to a tensor or to the encoder, and then the
 * full-size float copy (and two passes over it) is never needed.
 */
class DeferredImage implements Image {
  private floats: Float32Array | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly makeFloats: () => Float32Array,
    /** The exact 8-bit pixels (data === bytes / 255), when the image has them. */
    readonly bytes: Uint8Array | undefined,
    /** Quantise straight from the source, when that is cheaper than via `data`. */
    private readonly makeBytes: (() => Uint8Array) | undefined,
  ) {}

  get data(): Float32Array {
    this.floats ??= this.makeFloats();
    return this.floats;
  }

  get floatsMade(): boolean {
    return this.floats !== undefined;
  }

  quantise(): Uint8Array | undefined {
    if (this.bytes) return this.bytes;
    return this.floats ? undefined : this.makeBytes?.();
  }
}

/** An image that turns into floats on first use and quantises from its source (e.g. a model output). */
export function deferredImage(
  width: number,
  height: number,
  toFloats: () => Float32Array,
  toRgb8: () => Uint8Array,
): Image {
  assertSize(width, height);
  return new DeferredImage(width, height, toFloats, undefined, toRgb8);
}

/** The exact 8-bit pixels behind an image, if it was made from them and never needed floats. */
export function exactRgb8(image: Image): Uint8Array | undefined {
  return image instanceof DeferredImage && !image.floatsMade ? image.bytes : undefined;
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

/** An image from 8-bit interleaved RGB bytes (kept; floats are made on first use). */
export function imageFromRgb8(width: number, height: number, rgb: Uint8Array): Image {
  assertSize(width, height);
  if (rgb.length !== width * height * 3) {
    throw invalidArgument(`${width * height * 3} bytes (${width}x${height}x3)`, 'rgb', rgb);
  }
  const toFloats = () => {
    const out = new Float32Array(rgb.length);
    for (let i = 0; i < out.length; i++) out[i] = rgb[i]! / 255;
    return out;
  };
  return new DeferredImage(width, height, toFloats, rgb, undefined);
}

/** Quantise to 8-bit interleaved RGB, rounding to nearest and clamping. */
export function imageToRgb8(image: Image): Uint8Array {
  const direct = image instanceof DeferredImage ? image.quantise() : undefined;
  if (direct) return direct;
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
