import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { FilterlabError } from '../errors.js';
import { decodeHeic } from './heic.js';
import { createImage, type Image } from './image.js';
import { describeBytes, sniffFormat, type ImageFormat } from './formats.js';

export interface DecodeLimits {
  /** Largest accepted file, in bytes. Default 50 MB. */
  maxBytes: number;
  /** Largest accepted width x height, checked from the header before decoding. Default 40 MP. */
  maxPixels: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxBytes: 50 * 1024 * 1024, maxPixels: 40_000_000 };

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
  /** Shown in error messages (a file path or an upload name). */
  name?: string;
  /** Colour that transparent pixels are flattened onto; default white. */
  background?: { r: number; g: number; b: number };
}

export interface ImageInfo {
  format: ImageFormat;
  /** Size after EXIF orientation was applied. */
  width: number;
  height: number;
  /** EXIF orientation tag of the source (1 when absent). */
  orientation: number;
  hasAlpha: boolean;
  /** Source colour space and bit depth as the decoder saw them, e.g. 'cmyk', 'b-w', 'srgb'. */
  space: string;
  depth: string;
  bytes: number;
  /** sha256 of the source bytes. */
  sourceHash: string;
}

export interface DecodedImage {
  image: Image;
  info: ImageInfo;
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Decode any supported photo to upright sRGB float pixels. Format is sniffed from the
 * content; size limits are checked from the header before the full decode, so a small file
 * that claims 30000x30000 pixels is refused without allocating them.
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const name = options.name ?? 'image';
  if (bytes.length === 0) {
    throw new FilterlabError(
      'FL_ERR_IMAGE_EMPTY',
      `Expected image bytes in ${name} but received an empty file`,
      {
        details: { file: name },
      },
    );
  }
  if (bytes.length > limits.maxBytes) {
    throw tooLarge(name, `at most ${limits.maxBytes} bytes`, `${bytes.length} bytes`, limits);
  }
  const format = sniffFormat(bytes);
  if (!format) {
    throw new FilterlabError(
      'FL_ERR_IMAGE_FORMAT',
      `Expected a JPEG, PNG, WebP, AVIF, TIFF, GIF or HEIC image in ${name} but received ${describeBytes(bytes)}`,
      { details: { file: name } },
    );
  }
  const sourceHash = hashBytes(bytes);
  if (format === 'heic') {
    const heic = await decodeHeic(bytes, name, limits.maxPixels);
    return decodeRaw(
      heic.rgba,
      heic.width,
      heic.height,
      { format, sourceHash, bytes: bytes.length, name },
      options,
    );
  }

  const input = () =>
    sharp(bytes, {
      limitInputPixels: limits.maxPixels,
      pages: 1,
      failOn: 'error',
      sequentialRead: true,
    });
  let meta: Metadata;
  try {
    meta = await input().metadata();
  } catch (cause) {
    throw corrupt(name, format, cause);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw tooLarge(name, `at most ${limits.maxPixels} pixels`, `${width}x${height}`, limits);
  }
  const orientation = meta.orientation ?? 1;
  const sixteenBit = meta.depth === 'ushort';
  let pipeline = input().rotate();
  if (meta.hasAlpha)
    pipeline = pipeline.flatten({ background: options.background ?? { r: 255, g: 255, b: 255 } });
  pipeline = pipeline.toColourspace(sixteenBit ? 'rgb16' : 'srgb').removeAlpha();

  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw corrupt(name, format, cause);
  }
  const { info } = raw;
  if (info.channels !== 3) {
    throw corrupt(
      name,
      format,
      new Error(`decoder produced ${info.channels} channels instead of 3`),
    );
  }
  const image = createImage(info.width, info.height);
  const out = image.data;
  if (sixteenBit) {
    const src = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = src[i]! / 65535;
  } else {
    const src = raw.data;
    for (let i = 0; i < out.length; i++) out[i] = src[i]! / 255;
  }
  return {
    image,
    info: {
      format,
      width: info.width,
      height: info.height,
      orientation,
      hasAlpha: meta.hasAlpha ?? false,
      space: meta.space ?? 'unknown',
      depth: meta.depth ?? 'unknown',
      bytes: bytes.length,
      sourceHash,
    },
  };
}

/** Read and decode a file; errors name the file. */
export async function readImage(file: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected a readable image file at ${file} but it cannot be read: ${(cause as Error).message}`,
      {
        cause,
        details: { file },
      },
    );
  }
  return decodeImage(bytes, { name: file, ...options });
}

async function decodeRaw(
  rgba: Uint8Array,
  width: number,
  height: number,
  source: { format: ImageFormat; sourceHash: string; bytes: number; name: string },
  options: DecodeOptions,
): Promise<DecodedImage> {
  const bg = options.background ?? { r: 255, g: 255, b: 255 };
  const { data, info } = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .flatten({ background: bg })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = createImage(info.width, info.height);
  for (let i = 0; i < image.data.length; i++) image.data[i] = data[i]! / 255;
  return {
    image,
    info: {
      format: source.format,
      width,
      height,
      orientation: 1,
      hasAlpha: true,
      space: 'srgb',
      depth: 'uchar',
      bytes: source.bytes,
      sourceHash: source.sourceHash,
    },
  };
}

function corrupt(name: string, format: ImageFormat, cause: unknown): FilterlabError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new FilterlabError(
    'FL_ERR_IMAGE_CORRUPT',
    `Expected a complete ${format.toUpperCase()} image in ${name} but it could not be decoded (truncated or corrupt): ${reason}`,
    { cause, details: { file: name, format } },
  );
}

function tooLarge(
  name: string,
  expectedText: string,
  received: string,
  limits: DecodeLimits,
): FilterlabError {
  return new FilterlabError(
    'FL_ERR_IMAGE_TOO_LARGE',
    `Expected ${expectedText} in ${name} but received ${received}`,
    {
      details: { file: name, ...limits },
    },
  );
}
