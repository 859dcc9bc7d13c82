/**
 * Facial skin mask from the FaceMesh landmarks: the face oval minus the eyes, eyebrows and
 * lips, each region rasterised with a soft edge. Sizes scale with the face (the distance
 * between the oval's cheek extremes, landmarks 234 and 454), so one setting fits any photo.
 */
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import type { Mask } from '../image/image.js';
import type { Face, Point } from './face.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { rasterizeSoftPolygon } from './polygon-mask.js';
import { bilinearGray } from './warp.js';

const fraction = (max: number) => z.number().min(0).max(max);

export const SkinMaskOptionsSchema = z.strictObject({
  /** Soft edge width, as a fraction of face width. */
  feather: fraction(0.5).default(0.04),
  /** How far the eye holes reach beyond the eyelid line (lashes, shadow). */
  eyeGrow: fraction(0.5).default(0.035),
  browGrow: fraction(0.5).default(0.02),
  mouthGrow: fraction(0.5).default(0.02),
  /** Pull the oval in from the jaw and hairline, where skin meets hair or background. */
  ovalShrink: fraction(0.5).default(0.02),
});
export type SkinMaskOptions = z.input<typeof SkinMaskOptionsSchema>;

/** Faces wider than this many pixels are rasterised at reduced scale and upsampled: the mask is soft anyway. */
const RASTER_FACE_WIDTH = 256;

/** A [0, 1] mask of facial skin for every face that has landmarks, at the image's size. */
export function skinMask(
  size: { width: number; height: number },
  faces: readonly Pick<Face, 'landmarks'>[],
  options: SkinMaskOptions = {},
): Mask {
  const o = parseOptions(SkinMaskOptionsSchema, options, 'skin mask options');
  const { width, height } = size;
  const out = new Float32Array(width * height);
  for (const face of faces) {
    const lm = face.landmarks;
    if (!lm || lm.length < 468) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected faces with 468 mesh landmarks for the skin mask but received ${lm?.length ?? 0}`,
      );
    }
    const faceWidth = Math.hypot(lm[454]![0] - lm[234]![0], lm[454]![1] - lm[234]![1]);
    const feather = Math.max(1, o.feather * faceWidth);
    // Work in a small grid over the face's bounding box, then sample it back.
    const k = Math.min(1, RASTER_FACE_WIDTH / Math.max(1, faceWidth));
    const oval = MESH.faceOval.map((i) => lm[i]!);
    const x0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[0])) - feather));
    const y0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[1])) - feather));
    const x1 = Math.min(width, Math.ceil(Math.max(...oval.map((p) => p[0])) + feather));
    const y1 = Math.min(height, Math.ceil(Math.max(...oval.map((p) => p[1])) + feather));
    if (x1 <= x0 || y1 <= y0) continue;
    const gw = Math.max(1, Math.ceil((x1 - x0) * k));
    const gh = Math.max(1, Math.ceil((y1 - y0) * k));
    const grid = new Float32Array(gw * gh);
    const poly = (ids: readonly number[]): Point[] =>
      ids.map((i) => [(lm[i]![0] - x0) * k, (lm[i]![1] - y0) * k]);
    rasterizeSoftPolygon(
      gw,
      gh,
      { points: poly(MESH.faceOval), grow: -o.ovalShrink * faceWidth * k, feather: feather * k },
      (i, v) => {
        grid[i] = v;
      },
    );
    const holes: [readonly number[], number][] = [
      [MESH.rightEye, o.eyeGrow],
      [MESH.leftEye, o.eyeGrow],
      [MESH.rightEyebrow, o.browGrow],
      [MESH.leftEyebrow, o.browGrow],
      [MESH.lipsOuter, o.mouthGrow],
    ];
    for (const [ids, grow] of holes) {
      rasterizeSoftPolygon(
        gw,
        gh,
        { points: poly(ids), grow: grow * faceWidth * k, feather: feather * k },
        (i, v) => {
          grid[i] = grid[i]! * (1 - v);
        },
      );
    }
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const v =
          k === 1
            ? grid[(y - y0) * gw + (x - x0)]!
            : bilinearGray(grid, gw, gh, (x + 0.5 - x0) * k - 0.5, (y + 0.5 - y0) * k - 0.5);
        if (v > out[y * width + x]!) out[y * width + x] = v;
      }
    }
  }
  return { width, height, data: out };
}
