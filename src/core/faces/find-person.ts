/**
 * The person in a photo, or none: the segmenter alone answers "person" for a cat (it was
 * trained on selfies, so it finds a foreground in any photo), so a person needs a face too.
 * The mask is refined for compositing: its edge snapped to the photo's edges by a guided filter
 * (the low-resolution mask otherwise leaves a band of the old background round the hair), and
 * holes inside the person (a pale shirt, a hand the segmenter dropped) filled.
 */
import { guidedMask } from '../image/guided-mask.js';
import { createMask, type Image, type Mask } from '../image/image.js';
import { detectFaces, segmentPerson, type RunOptions } from './face-analysis.js';
import type { FaceModels } from './face-models.js';

export interface FoundPerson {
  /** False when the photo has no face: the mask is then all 0. */
  found: boolean;
  mask: Mask;
}

/** Guided-filter window, as a share of the photo's shorter side. */
const EDGE_RADIUS = 0.012;
const EDGE_EPS = 1e-3;

export async function findPerson(
  models: FaceModels,
  image: Image,
  run: RunOptions = {},
): Promise<FoundPerson> {
  const faces = await detectFaces(models, image, {}, run);
  if (faces.length === 0) return { found: false, mask: createMask(image.width, image.height) };
  const raw = await segmentPerson(models, image, run);
  const radius = Math.max(1, Math.round(EDGE_RADIUS * Math.min(image.width, image.height)));
  return { found: true, mask: fillHoles(guidedMask(raw, image, radius, EDGE_EPS)) };
}

/**
 * Background pixels (mask < 0.5) that no path of background pixels joins to the photo's border
 * are holes in the person: set them to 1.
 */
export function fillHoles(mask: Mask): Mask {
  const { width: w, height: h } = mask;
  const out = createMask(w, h, mask.data.slice());
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const visit = (i: number) => {
    if (!outside[i] && out.data[i]! < 0.5) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < w; x++) {
    visit(x);
    visit((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    visit(y * w);
    visit(y * w + w - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w;
    if (x > 0) visit(i - 1);
    if (x < w - 1) visit(i + 1);
    if (i >= w) visit(i - w);
    if (i < (h - 1) * w) visit(i + w);
  }
  for (let i = 0; i < w * h; i++) if (!outside[i] && out.data[i]! < 0.5) out.data[i] = 1;
  return out;
}
