import { z } from 'zod';
import { SkinMaskOptionsSchema, skinMask } from '../faces/skin-mask.js';
import { facesFor, FacesRefShape, prepareFaceModels, requiresFace } from './face-inputs.js';
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
  reads: (o) => [{ name: o.faces, kind: 'faces', optional: true }],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh']);
    return {
      async run({ input, options, values, run }) {
        const { faces: name, required, ...skin } = options;
        const faces = await facesFor({
          models,
          values,
          run,
          name,
          image: input,
          required,
          landmarks: true,
        });
        return { kind: 'mask', mask: skinMask(input, faces, skin) };
      },
    };
  },
});
