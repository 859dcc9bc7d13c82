import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../../core/util/atomic-write.js';
import { detectFaces, estimateAttributes, faceLandmarks } from '../../core/faces/face-analysis.js';
import type { FaceModels } from '../../core/faces/face-models.js';
import { readImage } from '../../core/image/decode.js';
import { luma601 } from '../../core/image/srgb.js';
import type { DatasetItem } from './dataset.js';

/** Bump when the tagging rules change, so cached tags are recomputed. */
const AUTOTAGS_VERSION = 2;

/**
 * Tags computed from the pixels, added as slice columns beside the labels. Age and gender are
 * model ESTIMATES of appearance (prefixed est_), for finding slices to look at, never a fact
 * about a person.
 */
export interface AutoTags {
  face_count: string;
  face_size: string;
  light: string;
  colour: string;
  orientation: string;
  est_age_band: string;
  est_gender: string;
}

export const AUTOTAG_COLUMNS: readonly (keyof AutoTags)[] = [
  'face_count',
  'face_size',
  'light',
  'colour',
  'orientation',
  'est_age_band',
  'est_gender',
];

/** Auto-tags per photo, cached by file hash in `<cacheDir>/autotags.json`. */
export async function computeAutoTags(
  items: readonly DatasetItem[],
  faces: FaceModels,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, AutoTags>> {
  const cacheFile = path.join(cacheDir, 'autotags.json');
  const cache = await readFile(cacheFile, 'utf8')
    .then((t) => JSON.parse(t) as { version: number; tags: Record<string, AutoTags> })
    .catch(() => ({ version: AUTOTAGS_VERSION, tags: {} as Record<string, AutoTags> }));
  const tags = cache.version === AUTOTAGS_VERSION ? cache.tags : {};
  const out = new Map<string, AutoTags>();
  let done = 0;
  let dirty = false;
  for (const item of items) {
    let t = tags[item.sha256];
    if (!t) {
      t = await tagPhoto(item.path, faces);
      tags[item.sha256] = t;
      dirty = true;
    }
    out.set(item.file, t);
    onProgress?.(++done, items.length);
  }
  if (dirty) {
    await mkdir(cacheDir, { recursive: true });
    await writeAtomic(cacheFile, JSON.stringify({ version: AUTOTAGS_VERSION, tags }));
  }
  return out;
}

async function tagPhoto(file: string, models: FaceModels): Promise<AutoTags> {
  const { image } = await readImage(file);
  const { width: w, height: h, data } = image;
  let lumaSum = 0;
  let chroma = 0;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    lumaSum += luma601(r, g, b);
    chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  const pixels = w * h;
  const brightness = lumaSum / pixels;
  const faces = await detectFaces(models, image);
  const largest = faces.reduce((a, f) => Math.max(a, (f.box[2] * f.box[3]) / pixels), 0);
  let ageBand = 'unknown';
  let gender = 'unknown';
  const main = faces[0];
  if (main) {
    main.landmarks = (await faceLandmarks(models, image, main)).landmarks;
    const est = await estimateAttributes(models, image, main);
    ageBand = est.ageEstimate < 40 ? '20-39' : est.ageEstimate < 60 ? '40-59' : '60+';
    gender = est.genderEstimate ?? 'unsure';
  }
  return {
    face_count: faces.length >= 3 ? '3+' : String(faces.length),
    face_size: !faces.length
      ? 'none'
      : largest < 0.03
        ? 'small'
        : largest < 0.15
          ? 'medium'
          : 'large',
    light: brightness < 0.25 ? 'low' : brightness > 0.7 ? 'bright' : 'normal',
    colour: chroma / pixels < 0.02 ? 'greyscale' : 'colour',
    orientation: w > h * 1.05 ? 'landscape' : h > w * 1.05 ? 'portrait' : 'square',
    est_age_band: ageBand,
    est_gender: gender,
  };
}
