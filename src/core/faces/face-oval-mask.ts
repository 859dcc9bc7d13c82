/**
 * The whole face as a soft mask: the FaceMesh face oval (forehead to chin, cheek to cheek, with
 * eyes, brows, nose and mouth inside it), one per face. This is the region that carries a
 * person's identity, which face.restore pastes back from the original photo.
 */
import { z } from 'zod';
import { createMask, type Mask } from '../image/image.js';
import type { Face } from './face.js';
import { meshFace, paintFaceMask } from './face-mask-grid.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { rasterizeSoftPolygon } from './polygon-mask.js';

export const FaceOvalMaskOptionsSchema = z.strictObject({
  /** Soft edge width, as a fraction of face width. */
  feather: z.number().min(0).max(0.5).default(0.08),
  /** Move the edge out (positive) or in (negative), as a fraction of face width. */
  grow: z.number().min(-0.5).max(0.5).default(0),
});
export type FaceOvalMaskOptions = z.input<typeof FaceOvalMaskOptionsSchema>;

/** A [0, 1] mask of the face oval of every face (which must have landmarks), at `size`. */
export function faceOvalMask(
  size: { width: number; height: number },
  faces: readonly Pick<Face, 'landmarks'>[],
  options: FaceOvalMaskOptions = {},
): Mask {
  const o = parseOptions(FaceOvalMaskOptionsSchema, options, 'face oval mask options');
  const mask = createMask(size.width, size.height);
  for (const face of faces) {
    const mesh = meshFace(face, 'the face oval');
    const feather = Math.max(1, o.feather * mesh.width);
    const grow = o.grow * mesh.width;
    paintFaceMask(mask, mesh, Math.max(0, grow) + feather, (grid) => {
      rasterizeSoftPolygon(
        grid.width,
        grid.height,
        {
          points: grid.points(MESH.faceOval),
          grow: grow * grid.scale,
          feather: feather * grid.scale,
        },
        (i, v) => {
          grid.data[i] = v;
        },
      );
    });
  }
  return mask;
}
