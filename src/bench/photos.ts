/** The photos a bench runs on: one photo at each bench size, and a folder for quality scores. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FilterlabError } from '../core/errors.js';
import { readImage } from '../core/image/decode.js';
import type { Image } from '../core/image/image.js';
import { fitSize, resizeImage } from '../core/image/resize.js';
import { samplePortrait } from '../core/samples.js';

const PHOTO_FILE = /\.(jpe?g|png|webp|avif|tiff?|gif|heic|heif)$/i;

/** A faces-dev portrait (225x275, public domain): the photo of benches run on faces-dev. */
export const BENCH_PHOTO = 'B001231.jpg';

/**
 * A shipped sample portrait (225x275, public domain), or faces-dev's when $FILTERLAB_FACES_DEV
 * names that folder (the bench scripts' numbers are measured there).
 */
export function defaultBenchPhoto(env: NodeJS.ProcessEnv = process.env): string {
  return env.FILTERLAB_FACES_DEV
    ? path.join(path.resolve(env.FILTERLAB_FACES_DEV), BENCH_PHOTO)
    : samplePortrait();
}

export interface NamedImage {
  name: string;
  image: Image;
}

export async function loadPhoto(file: string): Promise<Image> {
  return (await readImage(file)).image;
}

/** The photo scaled (up or down) so that its long side is `longSide` pixels. */
export function atLongSide(image: Image, longSide: number): Image {
  const size = fitSize(image.width, image.height, longSide, longSide, true);
  if (size.width === image.width && size.height === image.height) return image;
  return resizeImage(image, size.width, size.height);
}

/** The first `limit` photos of a folder, by name. */
export async function loadPhotoSet(dir: string, limit: number): Promise<NamedImage[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => PHOTO_FILE.test(n)).sort();
  } catch (cause) {
    throw new FilterlabError(
      'FL_ERR_IO',
      `Expected a folder of photos at ${dir} but it cannot be read`,
      {
        cause,
        details: { file: dir },
      },
    );
  }
  if (!names.length) {
    throw new FilterlabError(
      'FL_ERR_DATASET',
      `Expected photos (.jpg, .png, ...) in ${dir} but found none`,
      {
        details: { file: dir },
      },
    );
  }
  return Promise.all(
    names
      .slice(0, limit)
      .map(async (name) => ({ name, image: await loadPhoto(path.join(dir, name)) })),
  );
}
