/**
 * The whole face as a soft mask: the FaceMesh face oval (forehead to chin, cheek to cheek, with
 * eyes, brows, nose and mouth inside it), one per face. This is the region that carries a
 * person's identity, which face.restore pastes back from the original photo.
 */
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import type { Mask } from '../image/image.js';
import type { Face, Point } from './face.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { rasterizeSoftPolygon } from './polygon-mask.js';
import { bilinearGray } from './warp.js';

/** Faces wider than this many pixels are rasterised at reduced scale and upsampled. */
const RASTER_FACE_WIDTH = 256;

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
  const { width, height } = size;
  const data = new Float32Array(width * height);
  for (const face of faces) {
    const lm = face.landmarks;
    if (!lm || lm.length < 468) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected faces with 468 mesh landmarks for the face oval but received ${lm?.length ?? 0}`,
      );
    }
    const faceWidth = Math.hypot(lm[454]![0] - lm[234]![0], lm[454]![1] - lm[234]![1]);
    const feather = Math.max(1, o.feather * faceWidth);
    const grow = o.grow * faceWidth;
    // Rasterise in a grid over the face's padded box at most RASTER_FACE_WIDTH across, then
    // sample it back: the edge is soft anyway, and the distance test per pixel is the cost.
    const k = Math.min(1, RASTER_FACE_WIDTH / Math.max(1, faceWidth));
    const oval = MESH.faceOval.map((i): Point => [lm[i]![0], lm[i]![1]]);
    const pad = Math.max(0, grow) + feather;
    const x0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[0])) - pad));
    const y0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[1])) - pad));
    const x1 = Math.min(width, Math.ceil(Math.max(...oval.map((p) => p[0])) + pad));
    const y1 = Math.min(height, Math.ceil(Math.max(...oval.map((p) => p[1])) + pad));
    if (x1 <= x0 || y1 <= y0) continue;
    const gw = Math.max(1, Math.ceil((x1 - x0) * k));
    const gh = Math.max(1, Math.ceil((y1 - y0) * k));
    const grid = new Float32Array(gw * gh);
    rasterizeSoftPolygon(
      gw,
      gh,
      {
        points: oval.map(([x, y]): Point => [(x - x0) * k, (y - y0) * k]),
        grow: grow * k,
        feather: feather * k,
      },
      (i, v) => {
        grid[i] = v;
      },
    );
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const v =
          k === 1
            ? grid[(y - y0) * gw + (x - x0)]!
            : bilinearGray(grid, gw, gh, (x + 0.5 - x0) * k - 0.5, (y + 0.5 - y0) * k - 0.5);
        if (v > data[y * width + x]!) data[y * width + x] = v;
      }
    }
  }
  return { width, height, data };
}
