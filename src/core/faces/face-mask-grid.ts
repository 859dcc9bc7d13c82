/**
 * What the landmark masks (face oval, facial skin) share: each face's regions are rasterised in
 * a small grid over the face and sampled back, because the edges are soft anyway and the
 * distance test per pixel is the cost. Sizes scale with the face (the distance between the
 * oval's cheek extremes, landmarks 234 and 454), so one setting fits any photo.
 */
import { FilterlabError } from '../errors.js';
import type { Mask } from '../image/image.js';
import type { Face, Point, Point3 } from './face.js';
import { MESH } from './mesh-indices.js';
import { bilinearGray } from './warp.js';

/** Faces wider than this many pixels are rasterised at reduced scale and upsampled. */
const RASTER_FACE_WIDTH = 256;

/** A face's 468 mesh landmarks and its width in pixels. */
export interface MeshFace {
  landmarks: readonly Point3[];
  width: number;
}

/** The landmarks of a face, or FL_ERR_INVALID_ARGUMENT naming the mask (`what`) that needs them. */
export function meshFace(face: Pick<Face, 'landmarks'>, what: string): MeshFace {
  const lm = face.landmarks;
  if (!lm || lm.length < 468) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected faces with 468 mesh landmarks for ${what} but received ${lm?.length ?? 0}`,
    );
  }
  return { landmarks: lm, width: Math.hypot(lm[454]![0] - lm[234]![0], lm[454]![1] - lm[234]![1]) };
}

/** The grid one face's regions are drawn in. */
export interface FaceMaskGrid {
  width: number;
  height: number;
  data: Float32Array;
  /** Grid pixels per image pixel: multiply lengths in image pixels by it. */
  scale: number;
  /** The landmarks `ids` in grid coordinates. */
  points(ids: readonly number[]): Point[];
}

/**
 * Paint one face into `mask` (keeping the larger value where faces overlap): `draw` fills a
 * grid over the face oval's box, padded by `pad` image pixels, that is at most
 * RASTER_FACE_WIDTH across the face.
 */
export function paintFaceMask(
  mask: Mask,
  face: MeshFace,
  pad: number,
  draw: (grid: FaceMaskGrid) => void,
): void {
  const { width, height, data } = mask;
  const lm = face.landmarks;
  const k = Math.min(1, RASTER_FACE_WIDTH / Math.max(1, face.width));
  const oval = MESH.faceOval.map((i) => lm[i]!);
  const x0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[0])) - pad));
  const y0 = Math.max(0, Math.floor(Math.min(...oval.map((p) => p[1])) - pad));
  const x1 = Math.min(width, Math.ceil(Math.max(...oval.map((p) => p[0])) + pad));
  const y1 = Math.min(height, Math.ceil(Math.max(...oval.map((p) => p[1])) + pad));
  if (x1 <= x0 || y1 <= y0) return;
  const gw = Math.max(1, Math.ceil((x1 - x0) * k));
  const gh = Math.max(1, Math.ceil((y1 - y0) * k));
  const grid = new Float32Array(gw * gh);
  draw({
    width: gw,
    height: gh,
    data: grid,
    scale: k,
    points: (ids) => ids.map((i): Point => [(lm[i]![0] - x0) * k, (lm[i]![1] - y0) * k]),
  });
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
