/**
 * The whole head and the visible skin around it as one soft mask: the face oval, plus every
 * pixel of the person near the face whose colour matches that face's own skin (forehead, bare
 * scalp, ears, neck, upper chest), plus the head's hair and scalp (an ellipse over the face
 * oval, clipped to the person). A paste-back through the face oval alone stops at the hairline
 * and jaw, and a strong look leaves a coloured band above and below it; this mask ends where
 * the skin ends, at the person's edge or in the hair, never across bare skin.
 *
 * The skin model is fitted per face (see skin-around.ts), so it follows that person's tone.
 */
import { z } from 'zod';
import { blurMask } from '../image/blur.js';
import { guidedMask } from '../image/guided-mask.js';
import { createMask, type Image, type Mask } from '../image/image.js';
import type { Face } from './face.js';
import { meshFace } from './face-mask-grid.js';
import { faceOvalMask } from './face-oval-mask.js';
import { parseOptions } from './parse-options.js';
import { skinAround } from './skin-around.js';

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
  const around = skinAround(image, faces, personEdge, o);
  const feather = blurMask(around, Math.max(0.5, (o.feather * meanWidth) / 2));
  const oval = faceOvalMask(image, faces, { feather: o.feather, grow: o.grow });
  for (let i = 0; i < out.data.length; i++) {
    // Blurred, the mask would spill past the person onto the backdrop: clip it to the person.
    const skin = Math.min(feather.data[i]!, personEdge.data[i]!);
    out.data[i] = Math.max(oval.data[i]!, skin);
  }
  return out;
}
