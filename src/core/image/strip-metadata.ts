import sharp from 'sharp';
import { FilterlabError } from '../errors.js';
import { decodeImage, DEFAULT_LIMITS, type DecodeOptions } from './decode.js';
import { encodeImage } from './encode.js';
import { sniffFormat, type ImageFormat } from './formats.js';

export interface StrippedImage {
  bytes: Buffer;
  /** The format of `bytes`: the upload's own, or PNG where it had to be re-encoded. */
  format: ImageFormat;
}

/**
 * A photo without what it says about its owner: EXIF (GPS position, camera serial, time), XMP,
 * IPTC, comments and text chunks, and images appended after the main one (phone depth maps and
 * previews carry their own EXIF). JPEG, PNG and WebP are rewritten segment by segment, so their
 * pixels stay byte for byte the same; a JPEG keeps its EXIF orientation as a one-tag EXIF block,
 * and its ICC profile. Other formats (TIFF, GIF, AVIF, HEIC), and a PNG or WebP that is rotated
 * by EXIF, are decoded upright and stored as lossless PNG.
 */
export async function stripMetadata(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<StrippedImage> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = sniffFormat(input);
  const name = options.name ?? 'image';
  const orientation =
    format === 'jpeg' || format === 'png' || format === 'webp'
      ? ((
          await sharp(input)
            .metadata()
            .catch(() => undefined)
        )?.orientation ?? 1)
      : 1;
  if (format === 'jpeg') return { bytes: stripJpeg(input, orientation, name), format };
  if (format === 'png' && orientation === 1) return { bytes: stripPng(input, name), format };
  if (format === 'webp' && orientation === 1) return { bytes: stripWebp(input, name), format };
  if (format !== 'heic') return { bytes: await uprightPng(input, name, options), format: 'png' };
  // HEVC HEIC needs heic-decode's libheif (see decode.ts); decoded once, stored as PNG
  const { image } = await decodeImage(input, options);
  return { bytes: await encodeImage(image, { format: 'png' }), format: 'png' };
}

/** libvips re-encodes without metadata unless told to keep it; the pixels stay as they were. */
async function uprightPng(input: Buffer, name: string, options: DecodeOptions): Promise<Buffer> {
  const maxPixels = options.limits?.maxPixels ?? DEFAULT_LIMITS.maxPixels;
  try {
    return await sharp(input, { limitInputPixels: maxPixels, pages: 1, failOn: 'error' })
      .rotate()
      .png()
      .toBuffer();
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IMAGE_CORRUPT',
      `Expected a decodable image in ${name} but it could not be decoded: ${(cause as Error).message.split('\n')[0]}`,
      { cause, details: { file: name } },
    );
  }
}

function malformed(name: string, format: string, where: number): FilterlabError {
  return new FilterlabError(
    'FL_ERR_IMAGE_CORRUPT',
    `Expected a well-formed ${format.toUpperCase()} in ${name} but its structure breaks at byte ${where}`,
    { details: { file: name, format } },
  );
}

// JPEG markers (ITU T.81 B.1): APP0 JFIF, APP2 ICC profile and APP14 Adobe colour transform are
// needed to decode right; APP1 (EXIF, XMP), APP13 (IPTC), COM and the other APPn are not.
const KEEP_APP = new Set([0xe0, 0xe2, 0xee]);
const SOS = 0xda;
const EOI = 0xd9;

function stripJpeg(b: Buffer, orientation: number, name: string): Buffer {
  const out: Buffer[] = [b.subarray(0, 2)];
  if (orientation > 1) out.push(orientationExif(orientation));
  let i = 2;
  for (;;) {
    // cut short: kept as uploaded, for the decoder to report as truncated
    if (i >= b.length) return Buffer.concat(out);
    if (i + 1 >= b.length || b[i] !== 0xff) throw malformed(name, 'jpeg', i);
    while (b[i + 1] === 0xff) i++; // fill bytes before a marker
    const marker = b[i + 1]!;
    if (marker === EOI) {
      out.push(b.subarray(i, i + 2)); // anything after the end of image is dropped
      return Buffer.concat(out);
    }
    if (i + 4 > b.length) throw malformed(name, 'jpeg', i);
    let end = i + 2 + b.readUInt16BE(i + 2);
    if (end > b.length) throw malformed(name, 'jpeg', i);
    if (marker === SOS) end = entropyEnd(b, end);
    const isApp = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isApp || KEEP_APP.has(marker)) out.push(b.subarray(i, end));
    i = end;
  }
}

/** Where the entropy-coded data after a scan header ends: the next marker that is not RSTn. */
function entropyEnd(b: Buffer, from: number): number {
  // indexOf is native: a 12 MP photo has megabytes of scan data to pass over
  for (let j = b.indexOf(0xff, from); j !== -1 && j + 1 < b.length; j = b.indexOf(0xff, j + 1)) {
    const next = b[j + 1]!;
    const stuffedOrRestart = next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7);
    if (!stuffedOrRestart) return j;
  }
  return b.length;
}

/** APP1 holding a big-endian TIFF block with one IFD0 entry: Orientation (0x0112, SHORT). */
function orientationExif(orientation: number): Buffer {
  const app = Buffer.alloc(2 + 2 + 6 + 8 + 2 + 12 + 4);
  app.writeUInt16BE(0xffe1, 0);
  app.writeUInt16BE(app.length - 2, 2);
  app.write('Exif\0\0', 4, 'latin1');
  app.write('MM\0*', 10, 'latin1');
  app.writeUInt32BE(8, 14); // IFD0 right after the header
  app.writeUInt16BE(1, 18);
  app.writeUInt16BE(0x0112, 20);
  app.writeUInt16BE(3, 22);
  app.writeUInt32BE(1, 24);
  app.writeUInt16BE(orientation, 28);
  return app; // next-IFD offset stays 0
}

// PNG chunks that hold text, EXIF or a timestamp; everything else is needed or harmless.
const DROP_PNG = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);

function stripPng(b: Buffer, name: string): Buffer {
  const out: Buffer[] = [b.subarray(0, 8)];
  for (let i = 8; ;) {
    if (i + 12 > b.length) throw malformed(name, 'png', i);
    const type = b.toString('latin1', i + 4, i + 8);
    const end = i + 12 + b.readUInt32BE(i);
    if (end > b.length) throw malformed(name, 'png', i);
    if (!DROP_PNG.has(type)) out.push(b.subarray(i, end));
    if (type === 'IEND') return Buffer.concat(out);
    i = end;
  }
}

// WebP (RIFF) chunks with metadata, and their flags in the VP8X header.
const DROP_WEBP = new Set(['EXIF', 'XMP ']);
const VP8X_EXIF_XMP = 0x08 | 0x04;

function stripWebp(b: Buffer, name: string): Buffer {
  const chunks: Buffer[] = [];
  const riffEnd = Math.min(b.length, 8 + b.readUInt32LE(4));
  for (let i = 12; i < riffEnd;) {
    if (i + 8 > riffEnd) throw malformed(name, 'webp', i);
    const type = b.toString('latin1', i, i + 4);
    const size = b.readUInt32LE(i + 4);
    const end = i + 8 + size + (size % 2);
    if (i + 8 + size > riffEnd) throw malformed(name, 'webp', i);
    if (!DROP_WEBP.has(type)) {
      const chunk = Buffer.from(b.subarray(i, Math.min(end, riffEnd)));
      if (type === 'VP8X') chunk[8] = chunk[8]! & ~VP8X_EXIF_XMP;
      chunks.push(chunk);
    }
    i = end;
  }
  const header = Buffer.from(b.subarray(0, 12));
  header.writeUInt32LE(4 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([header, ...chunks]);
}
