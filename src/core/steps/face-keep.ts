import { z } from 'zod';
import { segmentPerson } from '../faces/face-analysis.js';
import type { FaceModelKind } from '../faces/face-models.js';
import { faceOvalMask } from '../faces/face-oval-mask.js';
import { headMask } from '../faces/head-mask.js';
import { skinMask } from '../faces/skin-mask.js';
import { blend } from './blend.js';
import {
  facesFor,
  FacesRefShape,
  optionalFaces,
  prepareFaceModels,
  requiresFace,
} from './face-step-support.js';
import { defineStep } from './step.js';

export const FaceKeepOptionsSchema = z.strictObject({
  /** The photo whose faces are kept; faces (when given) must be of this image. */
  original: z.string().min(1).default('source'),
  ...FacesRefShape,
  /** 1 puts the original face back exactly; 0 leaves the stylised one. */
  strength: z.number().min(0).max(1).default(1),
  /**
   * 'head' (default): the face oval, the hair and scalp, and the visible skin around the face
   * (forehead, ears, neck) within the person, so no coloured band is left at the hairline or
   * the jaw. 'face': the face oval only (eyes, nose, mouth: what makes a person recognisable).
   * 'skin': facial skin only.
   */
  region: z.enum(['head', 'face', 'skin']).default('head'),
  /** Soft edge width, as a fraction of each face's width. */
  feather: z.number().min(0).max(0.5).default(0.08),
  /** Move the oval's edge out (positive) or in, as a fraction of face width ('head' and 'face'). */
  grow: z.number().min(-0.5).max(0.5).default(0),
});

/**
 * Identity-preserving blend: over any stylised output, put back each original face (all of
 * them, not only the largest) at `strength`, through a feathered mask of each head and the skin
 * around it (landmarks, the face's own skin colour and the person segmentation).
 * A strong look then changes the scene and the clothes but keeps the person recognisable.
 */
export const faceKeepStep = defineStep({
  type: 'face.keep',
  summary: 'Paste the original faces back over a stylised image at a strength (keeps identity)',
  options: FaceKeepOptionsSchema,
  produces: 'image',
  requires: requiresFace,
  reads: (o) => [{ name: o.original, kind: 'image' }, optionalFaces(o.faces)],
  async prepare(options, env) {
    const kinds: FaceModelKind[] = ['detector', 'mesh'];
    if (options.region === 'head') kinds.push('segmenter');
    const models = await prepareFaceModels(env, kinds);
    return {
      async run(io) {
        const { input, options } = io;
        const original = io.values.image(options.original);
        const faces = await facesFor(models, io, { image: original });
        if (faces.length === 0 || options.strength === 0) return { kind: 'image', image: input };
        const { feather, grow } = options;
        const mask =
          options.region === 'head'
            ? headMask(original, faces, await segmentPerson(models, original, io.run), {
                feather,
                grow,
              })
            : options.region === 'skin'
              ? skinMask(original, faces, { feather })
              : faceOvalMask(original, faces, { feather, grow });
        return {
          kind: 'image',
          image: blend(input, original, mask, {
            invert: false,
            feather: 0,
            strength: options.strength,
          }),
        };
      },
    };
  },
});
