import { createRequire } from 'node:module';
import { FilterlabError } from '../errors.js';

/** heic-decode (libheif compiled to wasm, LGPL-3.0) is loaded only when a HEIC file arrives. */
interface HeicImage {
  width: number;
  height: number;
  decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}
type HeicDecodeAll = (input: { buffer: Uint8Array }) => Promise<HeicImage[] & { dispose(): void }>;

const require = createRequire(import.meta.url);

function loadDecoder(): HeicDecodeAll {
  try {
    return (require('heic-decode') as { all: HeicDecodeAll }).all;
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_HEIC_UNSUPPORTED',
      'HEIC is not supported on this installation: the heic-decode package could not be loaded; convert the photo to JPEG',
      { cause },
    );
  }
}

/** Decode the first image of a HEIC file to RGBA, refusing it before the decode if too large. */
export async function decodeHeic(
  bytes: Uint8Array,
  name: string,
  maxPixels: number,
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const all = loadDecoder();
  let images: Awaited<ReturnType<HeicDecodeAll>>;
  try {
    images = await all({ buffer: bytes });
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IMAGE_CORRUPT',
      `Expected a decodable HEIC image in ${name} but it could not be read: ${(cause as Error).message}`,
      { cause, details: { file: name, format: 'heic' } },
    );
  }
  try {
    const first = images[0];
    if (!first) throw new Error('no image in the file');
    if (first.width * first.height > maxPixels) {
      throw new FilterlabError(
        'FL_ERR_IMAGE_TOO_LARGE',
        `Expected at most ${maxPixels} pixels in ${name} but received ${first.width}x${first.height}`,
        { details: { file: name } },
      );
    }
    const decoded = await first.decode().catch((cause: unknown) => {
      // the container parsed, so the pixels are in a codec that no decoder here has
      throw new FilterlabError(
        'FL_ERR_HEIC_UNSUPPORTED',
        `Expected a HEIC image in ${name} that this installation can decode, but neither libvips nor heic-decode could decode its pixels (${(cause as Error).message}); convert the photo to JPEG`,
        { cause, details: { file: name, format: 'heic' } },
      );
    });
    return {
      width: decoded.width,
      height: decoded.height,
      rgba: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
    };
  } catch (cause) {
    if (cause instanceof FilterlabError) throw cause;
    throw new FilterlabError(
      'FL_ERR_IMAGE_CORRUPT',
      `Expected a decodable HEIC image in ${name} but it could not be decoded: ${(cause as Error).message}`,
      { cause, details: { file: name, format: 'heic' } },
    );
  } finally {
    images.dispose();
  }
}
