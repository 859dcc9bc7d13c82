/**
 * All the visible skin of the people in a photo, not only the face oval: the facial-skin mask
 * (the oval without eyes, brows and lips) and, outside the ovals, the skin around each face that
 * matches that face's own skin colour (forehead, bare scalp, ears, neck, upper chest; see
 * skin-around.ts), inside the person mask. This is where a look that shifts skin colour shows,
 * and where a paste-back that stops at the oval leaves a band.
 */
import type { Image, Mask } from '../image/image.js';
import { createMask } from '../image/image.js';
import type { Face } from './face.js';
import { faceOvalMask } from './face-oval-mask.js';
import { skinAround } from './skin-around.js';
import { skinMask } from './skin-mask.js';

/** Below this likelihood a pixel near the face is not counted as skin. */
const MIN_SKIN = 0.5;

/** A [0, 1] mask of the visible skin of `faces` (with landmarks) in `image`, within `person`. */
export function visibleSkinMask(
  image: Image,
  faces: readonly Pick<Face, 'landmarks'>[],
  person: Mask,
): Mask {
  const out = createMask(image.width, image.height);
  if (faces.length === 0) return out;
  const facial = skinMask(image, faces);
  const oval = faceOvalMask(image, faces, { feather: 0 });
  const around = skinAround(image, faces, person, { skinTolerance: 3, hair: false });
  for (let i = 0; i < out.data.length; i++) {
    const outside = around.data[i]! >= MIN_SKIN ? around.data[i]! * (1 - oval.data[i]!) : 0;
    out.data[i] = Math.max(facial.data[i]!, outside);
  }
  return out;
}
