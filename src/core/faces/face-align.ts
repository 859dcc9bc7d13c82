/**
 * Face alignment: a similarity transform (rotation, uniform scale, translation) that puts the
 * eyes, nose and mouth of a face on a canonical template, and its inverse that pastes a
 * processed crop back into the photo through a feathered mask. Pure TypeScript, bilinear.
 *
 * The template is the 5-point ArcFace/InsightFace one for a 112x112 crop (Deng et al.,
 * "ArcFace", 2019), scaled to the requested size; `margin` widens the crop around it.
 */
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import type { Image, Mask } from '../image/image.js';
import { KEYPOINT, type Face, type Point } from './face.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { applyAffine, invertAffine, sampleRgb, type Affine } from './warp.js';

/** ArcFace template in a 112x112 crop: right eye, left eye, nose tip, mouth right, mouth left corner. */
const ARCFACE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export const AlignOptionsSchema = z.strictObject({
  /** Side of the square crop, in pixels. */
  size: z.number().int().min(16).max(4096).default(112),
  /** Extra room around the ArcFace framing, as a fraction of the crop: 0.25 zooms out by 1.5x. */
  margin: z.number().min(0).max(2).default(0),
});
export type AlignOptions = z.input<typeof AlignOptionsSchema>;

export interface AlignedFace {
  /** The canonical crop. */
  image: Image;
  /** Crop coordinates to source-image coordinates. */
  toSource: Affine;
}

/** Cut the face out of `image` onto the canonical template. */
export function alignFace(
  image: Image,
  face: Pick<Face, 'keypoints' | 'landmarks'>,
  options: AlignOptions = {},
): AlignedFace {
  const o = parseOptions(AlignOptionsSchema, options, 'alignment options');
  const toSource = alignmentMap(face, o.size, o.margin);
  const data = sampleRgb(image, toSource, o.size, o.size, { range: [0, 1], fill: 0 });
  return { image: { width: o.size, height: o.size, data }, toSource };
}

/** The crop-to-source similarity map for a face, without sampling pixels. */
export function alignmentMap(
  face: Pick<Face, 'keypoints' | 'landmarks'>,
  size: number,
  margin = 0,
): Affine {
  const { source, template } = correspondences(face);
  const k = size / 112 / (1 + 2 * margin);
  const off = (size - 112 * k) / 2;
  const dst = template.map(([x, y]): Point => [x * k + off, y * k + off]);
  return fitSimilarity(dst, source);
}

export const PasteOptionsSchema = z.strictObject({
  /** Width of the soft edge, as a fraction of the crop side. */
  feather: z.number().min(0).max(0.5).default(0.12),
  /** 'ellipse' blends an oval inscribed in the crop (the face), 'square' the whole crop. */
  shape: z.enum(['ellipse', 'square']).default('ellipse'),
});
export type PasteOptions = z.input<typeof PasteOptionsSchema>;

/**
 * Paste a processed crop back over `target` (same size as the image it was aligned from),
 * blending through the feathered mask. Returns a new image; `target` is not changed.
 */
export function pasteFace(
  target: Image,
  crop: Image,
  toSource: Affine,
  options: PasteOptions = {},
): Image {
  const weight = maskWeight(crop.width, parseOptions(PasteOptionsSchema, options, 'paste options'));
  const out = target.data.slice();
  const px = new Float32Array(3);
  forEachCropPixel(target, crop.width, toSource, (i, u, v) => {
    const a = weight(u, v);
    if (a <= 0) return;
    sampleClamped(crop, u - 0.5, v - 0.5, px);
    const o = i * 3;
    for (let c = 0; c < 3; c++) out[o + c] = out[o + c]! * (1 - a) + px[c]! * a;
  });
  return { width: target.width, height: target.height, data: out };
}

/** The blend weight that pasteFace uses, in target pixels. */
export function pasteMask(
  target: { width: number; height: number },
  cropSize: number,
  toSource: Affine,
  options: PasteOptions = {},
): Mask {
  const weight = maskWeight(cropSize, parseOptions(PasteOptionsSchema, options, 'paste options'));
  const data = new Float32Array(target.width * target.height);
  forEachCropPixel(target, cropSize, toSource, (i, u, v) => {
    data[i] = weight(u, v);
  });
  return { width: target.width, height: target.height, data };
}

/** Blend weight at crop coordinates (u, v): 1 inside the shape, a smoothstep over the feather. */
function maskWeight(
  cropSize: number,
  o: z.output<typeof PasteOptionsSchema>,
): (u: number, v: number) => number {
  const feather = Math.max(1e-6, o.feather * cropSize);
  const half = cropSize / 2;
  if (o.shape === 'square') {
    return (u, v) => smoothstep(Math.min(u, v, cropSize - u, cropSize - v) / feather);
  }
  return (u, v) => {
    const du = (u - half) / half;
    const dv = (v - half) / half;
    return smoothstep((half * (1 - Math.sqrt(du * du + dv * dv))) / feather);
  };
}

/** Visit every target pixel under the crop's square with its crop coordinates (u, v). */
function forEachCropPixel(
  target: { width: number; height: number },
  cropSize: number,
  toSource: Affine,
  visit: (index: number, u: number, v: number) => void,
): void {
  const [a, b, c, d, e, f] = invertAffine(toSource);
  const [xa, ya, xb, yb] = footprint(target, cropSize, toSource);
  for (let y = ya; y < yb; y++) {
    const py = y + 0.5;
    for (let x = xa; x < xb; x++) {
      const px = x + 0.5;
      visit(y * target.width + x, a * px + b * py + c, d * px + e * py + f);
    }
  }
}

/** Pixel bounds [x0, y0, x1, y1) of the crop's square in the target, clipped to it. */
function footprint(
  target: { width: number; height: number },
  cropSize: number,
  toSource: Affine,
): [number, number, number, number] {
  const corners = (
    [
      [0, 0],
      [cropSize, 0],
      [0, cropSize],
      [cropSize, cropSize],
    ] as const
  ).map((p) => applyAffine(toSource, p));
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  return [
    Math.max(0, Math.floor(Math.min(...xs))),
    Math.max(0, Math.floor(Math.min(...ys))),
    Math.min(target.width, Math.ceil(Math.max(...xs))),
    Math.min(target.height, Math.ceil(Math.max(...ys))),
  ];
}

function correspondences(face: Pick<Face, 'keypoints' | 'landmarks'>): {
  source: Point[];
  template: Point[];
} {
  const lm = face.landmarks;
  if (lm && lm.length >= 468) {
    const centre = (ids: readonly number[]): Point => {
      let x = 0;
      let y = 0;
      for (const i of ids) {
        x += lm[i]![0];
        y += lm[i]![1];
      }
      return [x / ids.length, y / ids.length];
    };
    const at = (i: number): Point => [lm[i]![0], lm[i]![1]];
    return {
      source: [
        centre(MESH.rightEye),
        centre(MESH.leftEye),
        at(MESH.noseTip),
        at(MESH.mouthRight),
        at(MESH.mouthLeft),
      ],
      template: [...ARCFACE_112],
    };
  }
  const kp = face.keypoints;
  if (kp.length < 4) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected at least 4 face keypoints for alignment but received ${kp.length}`,
    );
  }
  const mouth: Point = [
    (ARCFACE_112[3]![0] + ARCFACE_112[4]![0]) / 2,
    (ARCFACE_112[3]![1] + ARCFACE_112[4]![1]) / 2,
  ];
  return {
    source: [
      kp[KEYPOINT.rightEye]!,
      kp[KEYPOINT.leftEye]!,
      kp[KEYPOINT.noseTip]!,
      kp[KEYPOINT.mouth]!,
    ],
    template: [ARCFACE_112[0]!, ARCFACE_112[1]!, ARCFACE_112[2]!, mouth],
  };
}

/**
 * Least-squares similarity taking points `from` onto `to` (Umeyama 1991, 2-D, no reflection):
 * x' = a x - b y + tx, y' = b x + a y + ty.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0] / n;
    fy += from[i]![1] / n;
    tx += to[i]![0] / n;
    ty += to[i]![1] / n;
  }
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]![0] - fx;
    const py = from[i]![1] - fy;
    const qx = to[i]![0] - tx;
    const qy = to[i]![1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  const a = dot / norm;
  const b = cross / norm;
  if (!(norm > 0) || !(a * a + b * b > 1e-12)) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      'Expected distinct face keypoints for alignment but they coincide',
    );
  }
  return [a, -b, tx - a * fx + b * fy, b, a, ty - b * fx - a * fy];
}

function sampleClamped(image: Image, sx: number, sy: number, out: Float32Array): void {
  const { width: w, height: h, data } = image;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const xa = Math.min(w - 1, Math.max(0, x0));
  const xb = Math.min(w - 1, Math.max(0, x0 + 1));
  const ya = Math.min(h - 1, Math.max(0, y0));
  const yb = Math.min(h - 1, Math.max(0, y0 + 1));
  for (let c = 0; c < 3; c++) {
    const top = data[(ya * w + xa) * 3 + c]! * (1 - fx) + data[(ya * w + xb) * 3 + c]! * fx;
    const bottom = data[(yb * w + xa) * 3 + c]! * (1 - fx) + data[(yb * w + xb) * 3 + c]! * fx;
    out[c] = top * (1 - fy) + bottom * fy;
  }
}

function smoothstep(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}
