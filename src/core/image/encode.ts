import sharp from 'sharp';
import { invalidArgument } from '../errors.js';
import { imageToRgb8, maskToGray8, type Image, type Mask } from './image.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

export interface EncodeOptions {
  /** Default jpeg. */
  format?: OutputFormat;
  /** 1..100 for jpeg, webp and avif; default 90 (avif 60). Ignored for png. */
  quality?: number;
  /** Write lossless WebP or AVIF. */
  lossless?: boolean;
}

/**
 * Encode pixels. Output never carries EXIF, GPS, XMP or any other source metadata: the
 * pipeline starts from raw pixels, so there is nothing to leak. Provenance goes to a sidecar.
 */
export async function encodeImage(image: Image, options: EncodeOptions = {}): Promise<Buffer> {
  return encodeRaw(imageToRgb8(image), image.width, image.height, 3, options);
}

export async function encodeMask(
  mask: Mask,
  options: EncodeOptions = { format: 'png' },
): Promise<Buffer> {
  return encodeRaw(maskToGray8(mask), mask.width, mask.height, 1, options);
}

async function encodeRaw(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  options: EncodeOptions,
): Promise<Buffer> {
  const format = options.format ?? 'jpeg';
  if (!OUTPUT_FORMATS.includes(format)) {
    throw invalidArgument(`one of ${OUTPUT_FORMATS.join(', ')}`, 'format', format);
  }
  const quality = options.quality ?? (format === 'avif' ? 60 : 90);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw invalidArgument('integer between 1 and 100', 'quality', quality);
  }
  const raw = sharp(pixels, { raw: { width, height, channels } });
  // without this, libvips widens one channel to sRGB and a mask is written as three
  const input = channels === 1 ? raw.toColourspace('b-w') : raw;
  switch (format) {
    case 'jpeg':
      return input.jpeg({ quality }).toBuffer();
    case 'png':
      return input.png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return input.webp({ quality, lossless: options.lossless ?? false }).toBuffer();
    case 'avif':
      return input.avif({ quality, lossless: options.lossless ?? false }).toBuffer();
  }
}

/** Quick header read of an encoded image: format and size (used by tests and the server). */
export async function probeImage(
  bytes: Uint8Array,
): Promise<{ format: string; width: number; height: number; hasExif: boolean; hasXmp: boolean }> {
  const meta = await sharp(bytes).metadata();
  return {
    format: meta.format,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    hasExif: meta.exif !== undefined,
    hasXmp: meta.xmp !== undefined,
  };
}
