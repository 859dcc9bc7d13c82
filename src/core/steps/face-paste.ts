import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { alignmentMap, pasteFace, PasteOptionsSchema } from '../faces/face-align.js';
import { AlignShape, chooseFace } from './face-align.js';
import { facesFor, optionalFaces, prepareFaceModels } from './face-step-support.js';
import { defineStep } from './step.js';

export const FacePasteOptionsSchema = z.strictObject({
  /** The processed crop (an image value made from a face.align crop), any square size. */
  crop: z.string().min(1),
  /** faces, face and margin must be those of the face.align step that made the crop. */
  ...AlignShape,
  ...PasteOptionsSchema.shape,
});

/**
 * The inverse of face.align: the crop goes back through the inverse similarity transform and
 * is blended in through a feathered oval, so a face-only model (a restorer, a face stylizer)
 * can be used on whole photos.
 */
export const facePasteStep = defineStep({
  type: 'face.paste',
  summary: 'Paste a processed face.align crop back into the photo through a feathered mask',
  options: FacePasteOptionsSchema,
  produces: 'image',
  requires: ['face'],
  reads: (o) => [{ name: o.crop, kind: 'image' }, optionalFaces(o.faces)],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh']);
    return {
      async run(io) {
        const { input, options } = io;
        const crop = io.values.image(options.crop);
        if (crop.width !== crop.height) {
          throw new FilterlabError(
            'FL_ERR_SPEC_INVALID',
            `Expected "${options.crop}" to be a square face crop but it is ${crop.width}x${crop.height}`,
          );
        }
        const face = chooseFace(await facesFor(models, io), options.face, input);
        const toSource = alignmentMap(face, crop.width, options.margin);
        return {
          kind: 'image',
          image: pasteFace(input, crop, toSource, {
            feather: options.feather,
            shape: options.shape,
          }),
        };
      },
    };
  },
});
