/**
 * Facial skin mask from the FaceMesh landmarks: the face oval minus the eyes, eyebrows and
 * lips, each region rasterised with a soft edge. Sizes scale with the face (the distance
 * between the oval's cheek extremes, landmarks 234 and 454), so one setting fits any photo.
 */
import { z } from 'zod';
import { createMask, type Mask } from '../image/image.js';
import type { Face } from './face.js';
import { meshFace, paintFaceMask } from './face-mask-grid.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { rasterizeSoftPolygon } from './polygon-mask.js';

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

/** A [0, 1] mask of facial skin for every face that has landmarks, at the image's size. */
export function skinMask(
  size: { width: number; height: number },
  faces: readonly Pick<Face, 'landmarks'>[],
  options: SkinMaskOptions = {},
): Mask {
  const o = parseOptions(SkinMaskOptionsSchema, options, 'skin mask options');
  const mask = createMask(size.width, size.height);
  for (const face of faces) {
    const mesh = meshFace(face, 'the skin mask');
    const feather = Math.max(1, o.feather * mesh.width);
    const holes: [readonly number[], number][] = [
      [MESH.rightEye, o.eyeGrow],
      [MESH.leftEye, o.eyeGrow],
      [MESH.rightEyebrow, o.browGrow],
      [MESH.leftEyebrow, o.browGrow],
      [MESH.lipsOuter, o.mouthGrow],
    ];
    paintFaceMask(mask, mesh, feather, (grid) => {
      const region = (ids: readonly number[], grow: number) => ({
        points: grid.points(ids),
        grow: grow * mesh.width * grid.scale,
        feather: feather * grid.scale,
      });
      rasterizeSoftPolygon(
        grid.width,
        grid.height,
        region(MESH.faceOval, -o.ovalShrink),
        (i, v) => {
          grid.data[i] = v;
        },
      );
      for (const [ids, grow] of holes) {
        rasterizeSoftPolygon(grid.width, grid.height, region(ids, grow), (i, v) => {
          grid.data[i] = grid.data[i]! * (1 - v);
        });
      }
    });
  }
  return mask;
}
