import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { FilterlabError, isFilterlabError } from '../errors.js';
import { sha256Hex } from '../util/content-hash.js';
import { readBytes } from '../util/read-file.js';
import { decodeHeic } from './heic.js';
import { createImage, imageFromRgb8, type Image } from './image.js';
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

/**
 * Decode any supported photo to upright sRGB float pixels. Format is sniffed from the
 * content; size limits are checked from the header before the full decode, so a small file
 * that claims 30000x30000 pixels is refused without allocating them.
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const { name, limits, format } = checkUpload(bytes, options);
  const source = { format, sourceHash: sha256Hex(bytes), bytes: bytes.length, name };
  if (format !== 'heic') return decodeWithSharp(bytes, source, limits, options);
  // libvips decodes HEIF whose codec its libheif was built with (AV1 in the prebuilt sharp);
  // heic-decode's libheif brings the HEVC decoder that most phone photos need.
  try {
    return await decodeWithSharp(bytes, source, limits, options);
  } catch (error) {
    if (isFilterlabError(error, 'FL_ERR_IMAGE_TOO_LARGE')) throw error;
  }
  const heic = await decodeHeic(bytes, name, limits.maxPixels);
  return decodeRaw(heic.rgba, heic.width, heic.height, source, options);
}

interface Source {
  format: ImageFormat;
  sourceHash: string;
  bytes: number;
  name: string;
}

async function decodeWithSharp(
  bytes: Uint8Array,
  source: Source,
  limits: DecodeLimits,
  options: DecodeOptions,
): Promise<DecodedImage> {
  const { format, name } = source;
  const input = (limitInputPixels: number | false) =>
    sharp(bytes, { limitInputPixels, pages: 1, failOn: 'error', sequentialRead: true });
  const meta = await checkHeader(input(false), name, format, limits);
  const sixteenBit = meta.depth === 'ushort';
  let pipeline = input(limits.maxPixels).rotate();
  if (meta.hasAlpha)
    pipeline = pipeline.flatten({ background: options.background ?? { r: 255, g: 255, b: 255 } });
  pipeline = pipeline.toColourspace(sixteenBit ? 'rgb16' : 'srgb').removeAlpha();

  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw(sixteenBit ? { depth: 'ushort' } : {}).toBuffer({
      resolveWithObject: true,
    });
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
  return {
    image: toFloatImage(raw.data, info, sixteenBit),
    info: {
      format,
      width: info.width,
      height: info.height,
      orientation: meta.orientation ?? 1,
      hasAlpha: meta.hasAlpha ?? false,
      space: meta.space ?? 'unknown',
      depth: meta.depth ?? 'unknown',
      bytes: source.bytes,
      sourceHash: source.sourceHash,
    },
  };
}

function toFloatImage(data: Buffer, info: OutputInfo, sixteenBit: boolean): Image {
  if (!sixteenBit) return imageFromRgb8(info.width, info.height, data);
  const image = createImage(info.width, info.height);
  const out = image.data;
  // a Uint16Array view needs an even byte offset; copy in the rare case it is odd
  const bytes = data.byteOffset % 2 === 0 ? data : Uint8Array.from(data);
  const src = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = src[i]! / 65535;
  return image;
}

/** Read and decode a file; errors name the file. */
export async function readImage(file: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const bytes = await readBytes(file, 'a readable image file');
  return decodeImage(bytes, { name: file, ...options });
}

async function decodeRaw(
  rgba: Uint8Array,
  width: number,
  height: number,
  source: Source,
  options: DecodeOptions,
): Promise<DecodedImage> {
  const bg = options.background ?? { r: 255, g: 255, b: 255 };
  const { data, info } = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .flatten({ background: bg })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = imageFromRgb8(info.width, info.height, data);
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

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
}

/**
 * Check what an upload is from its header only: the sniffed format and the pixel size against
 * the limits, without decoding pixels. Servers call this before accepting a file.
 */
export async function inspectImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<ImageHeader> {
  const { name, limits, format } = checkUpload(bytes, options);
  if (format === 'heic') return { format, width: 0, height: 0, bytes: bytes.length };
  const meta = await checkHeader(
    sharp(bytes, { limitInputPixels: false, pages: 1 }),
    name,
    format,
    limits,
  );
  return { format, width: meta.width ?? 0, height: meta.height ?? 0, bytes: bytes.length };
}

/** The checks before any decoding: some bytes, not too many, in a format sniffed from them. */
function checkUpload(
  bytes: Uint8Array,
  options: DecodeOptions,
): { name: string; limits: DecodeLimits; format: ImageFormat } {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const name = options.name ?? 'image';
  if (bytes.length === 0) {
    throw new FilterlabError(
      'FL_ERR_IMAGE_EMPTY',
      `Expected image bytes in ${name} but received an empty file`,
      { details: { file: name } },
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
  return { name, limits, format };
}

/**
 * The header of `input` (which must have no pixel limit of its own, so that a bomb is reported
 * as too large rather than as corrupt), with its pixel count checked against the limits.
 */
async function checkHeader(
  input: Sharp,
  name: string,
  format: ImageFormat,
  limits: DecodeLimits,
): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await input.metadata();
  } catch (cause) {
    throw corrupt(name, format, cause);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw tooLarge(name, `at most ${limits.maxPixels} pixels`, `${width}x${height}`, limits);
  }
  return meta;
}
