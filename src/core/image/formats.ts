/**
 * Image formats sniffed from content, never from a file name or a Content-Type header.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'tiff' | 'gif' | 'heic';
export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif';

export const INPUT_FORMATS: readonly ImageFormat[] = [
  'jpeg',
  'png',
  'webp',
  'avif',
  'tiff',
  'gif',
  'heic',
];
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jpeg', 'png', 'webp', 'avif'];

export const MIME_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  gif: 'image/gif',
  heic: 'image/heic',
};

export const EXTENSIONS: Record<OutputFormat, string> = {
  jpeg: '.jpg',
  png: '.png',
  webp: '.webp',
  avif: '.avif',
};

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG') return 'png';
  if (b.length >= 6 && ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))
  ) {
    return 'tiff';
  }
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') return sniffIsoBrand(b);
  return undefined;
}

/** AVIF and HEIC share the ISO-BMFF container: tell them apart by major and compatible brands. */
function sniffIsoBrand(b: Uint8Array): ImageFormat | undefined {
  const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const end = Math.min(b.length, Math.max(16, boxSize));
  const brands = [ascii(b, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(b, i, i + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIC_BRANDS.has(x) || x === 'mif1' || x === 'msf1')) return 'heic';
  return undefined;
}

/** A short description of unrecognised bytes for error messages. */
export function describeBytes(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 64);
  const printable = head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  if (printable && head.length > 0)
    return `text starting ${JSON.stringify(ascii(head, 0, Math.min(24, head.length)))}`;
  if (ascii(bytes, 0, 4) === '%PDF') return 'a PDF document';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'a ZIP archive';
  const hex = [...bytes.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return `unknown bytes (${hex})`;
}
