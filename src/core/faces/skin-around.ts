/**
 * Skin around a face, beyond its landmarks: every pixel of the person near the face whose colour
 * matches that face's own skin (forehead, bare scalp, ears, neck, upper chest), optionally with
 * the head's hair and scalp (an ellipse over the face oval). The skin model is fitted per face,
 * so it follows that person's tone whatever it is: a Gaussian over chroma (Cb, Cr) of the pixels
 * under the face's skin mask, with a floor on the spread so an evenly lit face does not reject
 * its own shadowed neck.
 */
import { createMask, type Image, type Mask } from '../image/image.js';
import { luma601 } from '../image/srgb.js';
import type { Face } from './face.js';
import { meshFace, type MeshFace } from './face-mask-grid.js';
import { MESH } from './mesh-indices.js';
import { skinMask } from './skin-mask.js';

export interface SkinAroundOptions {
  /** Skin-colour distance (in standard deviations of the face's own skin) still counted as skin. */
  skinTolerance: number;
  /** Include the hair and scalp of the head. */
  hair: boolean;
}

/** Chroma spread below this (in [0, 1] Cb/Cr units) is lighting noise, not a narrower skin tone. */
const MIN_CHROMA_SD = 0.012;
/** How far around the face oval skin is looked for, in face widths. */
const REACH = { side: 0.75, above: 0.9, below: 1.6 };

/**
 * A [0, 1] mask, per pixel the largest over `faces` (which must have landmarks) of the skin
 * likelihood (or head ellipse) times `person`, fading out towards the edge of each face's
 * search window so the window itself never draws a line.
 */
export function skinAround(
  image: Image,
  faces: readonly Pick<Face, 'landmarks'>[],
  person: Mask,
  options: SkinAroundOptions,
): Mask {
  const out = createMask(image.width, image.height);
  for (const face of faces) {
    const mesh = meshFace(face, 'the skin around a face');
    const model = skinModel(image, skinMask(image, [face]));
    if (model) paintSurroundings(out, image, person, mesh, model, options);
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
  o: SkinAroundOptions,
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
