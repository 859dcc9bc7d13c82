/**
 * The whole head and the visible skin around it as one soft mask: the face oval, plus every
 * pixel of the person near the face whose colour matches that face's own skin (forehead, bare
 * scalp, ears, neck, upper chest), plus the head's hair and scalp (an ellipse over the face
 * oval, clipped to the person). A paste-back through the face oval alone stops at the hairline
 * and jaw, and a strong look leaves a coloured band above and below it; this mask ends where
 * the skin ends, at the person's edge or in the hair, never across bare skin.
 *
 * The skin model is fitted per face, so it follows that person's tone whatever it is: a
 * Gaussian over chroma (Cb, Cr) of the pixels under the face's skin mask, with a floor on the
 * spread so an evenly lit face does not reject its own shadowed neck.
 */
import { z } from 'zod';
import { blurMask } from '../image/blur.js';
import { guidedMask } from '../image/guided-mask.js';
import { createMask, type Image, type Mask } from '../image/image.js';
import { luma601 } from '../image/srgb.js';
import type { Face } from './face.js';
import { meshFace, type MeshFace } from './face-mask-grid.js';
import { faceOvalMask } from './face-oval-mask.js';
import { MESH } from './mesh-indices.js';
import { parseOptions } from './parse-options.js';
import { skinMask } from './skin-mask.js';

export const HeadMaskOptionsSchema = z.strictObject({
  /** Soft edge width, as a fraction of face width. */
  feather: z.number().min(0).max(0.5).default(0.08),
  /** Move the face oval's edge out (positive) or in, as a fraction of face width. */
  grow: z.number().min(-0.5).max(0.5).default(0),
  /** Skin-colour distance (in standard deviations of the face's own skin) still counted as skin. */
  skinTolerance: z.number().min(1).max(8).default(3),
  /** Include the hair and scalp of the head (false: skin only, plus the face oval). */
  hair: z.boolean().default(true),
});
export type HeadMaskOptions = z.input<typeof HeadMaskOptionsSchema>;

/** Chroma spread below this (in [0, 1] Cb/Cr units) is lighting noise, not a narrower skin tone. */
const MIN_CHROMA_SD = 0.012;
/** How far around the face oval skin is looked for, in face widths. */
const REACH = { side: 0.75, above: 0.9, below: 1.6 };

/**
 * A [0, 1] mask of each face's head and visible skin in `image` (the faces must have landmarks),
 * limited to `person` (the person segmentation of `image`) outside the face ovals.
 */
export function headMask(
  image: Image,
  faces: readonly Pick<Face, 'landmarks'>[],
  person: Mask,
  options: HeadMaskOptions = {},
): Mask {
  const o = parseOptions(HeadMaskOptionsSchema, options, 'head mask options');
  const out = createMask(image.width, image.height);
  if (faces.length === 0) return out;
  const meshes = faces.map((f) => meshFace(f, 'the head mask'));
  const meanWidth = meshes.reduce((s, m) => s + m.width, 0) / meshes.length;
  // The segmenter's edge, snapped to the photo's edges (hair, collar) at the face's scale.
  const radius = Math.max(1, Math.round(meanWidth * 0.04));
  const personEdge = guidedMask(person, image, radius, 1e-3);
  const around = createMask(image.width, image.height);
  for (const [i, face] of faces.entries()) {
    const mesh = meshes[i]!;
    const model = skinModel(image, skinMask(image, [face]));
    if (model) paintSurroundings(around, image, personEdge, mesh, model, o);
  }
  const feather = blurMask(around, Math.max(0.5, (o.feather * meanWidth) / 2));
  const oval = faceOvalMask(image, faces, { feather: o.feather, grow: o.grow });
  for (let i = 0; i < out.data.length; i++) {
    // Blurred, the mask would spill past the person onto the backdrop: clip it to the person.
    const skin = Math.min(feather.data[i]!, personEdge.data[i]!);
    out.data[i] = Math.max(oval.data[i]!, skin);
  }
  return out;
}

interface SkinModel {
  cb: number;
  cr: number;
  /** Inverse covariance of (Cb, Cr): [a, b, c] of [[a, b], [b, c]]. */
  inv: [number, number, number];
  /** Mean and spread of luma, to leave out dark hair and shadows that share the skin's hue. */
  y: number;
  ySd: number;
}

function chroma(data: Float32Array, i: number): [number, number, number] {
  const r = data[i * 3]!;
  const g = data[i * 3 + 1]!;
  const b = data[i * 3 + 2]!;
  const y = luma601(r, g, b);
  return [y, 0.564 * (b - y), 0.713 * (r - y)];
}

/** The face's skin colour as a Gaussian, from the pixels its skin mask is sure of. */
function skinModel(image: Image, skin: Mask): SkinModel | undefined {
  let n = 0;
  let sy = 0;
  let syy = 0;
  let sb = 0;
  let sr = 0;
  let sbb = 0;
  let srr = 0;
  let sbr = 0;
  for (let i = 0; i < skin.data.length; i++) {
    if (skin.data[i]! < 0.9) continue;
    const [y, cb, cr] = chroma(image.data, i);
    n++;
    sy += y;
    syy += y * y;
    sb += cb;
    sr += cr;
    sbb += cb * cb;
    srr += cr * cr;
    sbr += cb * cr;
  }
  if (n < 20) return undefined;
  const cb = sb / n;
  const cr = sr / n;
  const y = sy / n;
  const floor = MIN_CHROMA_SD ** 2;
  const vb = Math.max(floor, sbb / n - cb * cb);
  const vr = Math.max(floor, srr / n - cr * cr);
  const cov = sbr / n - cb * cr;
  const det = vb * vr - cov * cov;
  return {
    cb,
    cr,
    inv: [vr / det, -cov / det, vb / det],
    y,
    ySd: Math.sqrt(Math.max(0, syy / n - y * y)),
  };
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Into `out`, for the pixels around one face: skin likelihood (and the head ellipse, when
 * hair is kept) times the person mask, fading out towards the edge of the search window so
 * the window itself never draws a line.
 */
function paintSurroundings(
  out: Mask,
  image: Image,
  person: Mask,
  mesh: MeshFace,
  model: SkinModel,
  o: z.output<typeof HeadMaskOptionsSchema>,
): void {
  const { width, height } = out;
  const oval = MESH.faceOval.map((i) => mesh.landmarks[i]!);
  const minX = Math.min(...oval.map((p) => p[0]));
  const maxX = Math.max(...oval.map((p) => p[0]));
  const minY = Math.min(...oval.map((p) => p[1]));
  const maxY = Math.max(...oval.map((p) => p[1]));
  const W = mesh.width;
  const box = {
    x0: minX - REACH.side * W,
    x1: maxX + REACH.side * W,
    y0: minY - REACH.above * W,
    y1: maxY + REACH.below * W,
  };
  const fade = 0.25 * W;
  // Hair and scalp: an ellipse a little wider and taller than the oval, centred above it.
  const ex = (minX + maxX) / 2;
  const ey = minY + (maxY - minY) * 0.4;
  const rx = (maxX - minX) * 0.75;
  const ry = (maxY - minY) * 0.8;
  const tol = o.skinTolerance;
  const yLow = model.y - 3.5 * model.ySd - 0.06;
  const [a, b, c] = model.inv;
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(height, Math.ceil(box.y1)); y++) {
    for (let x = Math.max(0, Math.floor(box.x0)); x < Math.min(width, Math.ceil(box.x1)); x++) {
      const i = y * width + x;
      const p = person.data[i]!;
      if (p <= 0) continue;
      const px = x + 0.5;
      const py = y + 0.5;
      const edge = Math.min(px - box.x0, box.x1 - px, py - box.y0, box.y1 - py);
      const windowWeight = clamp01(edge / fade);
      const [Y, cb, cr] = chroma(image.data, i);
      const db = cb - model.cb;
      const dr = cr - model.cr;
      const d = Math.sqrt(a * db * db + 2 * b * db * dr + c * dr * dr);
      let v = clamp01((tol + 1 - d) / 2) * clamp01((Y - yLow) / 0.06 + 0.5);
      if (o.hair) {
        const r = Math.hypot((px - ex) / rx, (py - ey) / ry);
        v = Math.max(v, clamp01((1.15 - r) / 0.3));
      }
      v *= windowWeight * p;
      if (v > out.data[i]!) out.data[i] = v;
    }
  }
}
