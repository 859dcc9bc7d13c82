import { z } from 'zod';
import { SkinMaskOptionsSchema, skinMask } from '../faces/skin-mask.js';
import {
  facesFor,
  FacesRefShape,
  optionalFaces,
  prepareFaceModels,
  requiresFace,
} from './face-step-support.js';
import { defineStep } from './step.js';

export const FaceSkinOptionsSchema = z.strictObject({
  ...FacesRefShape,
  ...SkinMaskOptionsSchema.shape,
});

export const faceSkinStep = defineStep({
  type: 'face.skin',
  summary: 'Mask of facial skin (face oval minus eyes, brows and mouth) for every face',
  options: FaceSkinOptionsSchema,
  produces: 'mask',
  requires: requiresFace,
  reads: (o) => [optionalFaces(o.faces)],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh']);
    return {
      async run(io) {
        const { faces: _name, required: _required, ...skin } = io.options;
        return { kind: 'mask', mask: skinMask(io.input, await facesFor(models, io), skin) };
      },
    };
  },
});
