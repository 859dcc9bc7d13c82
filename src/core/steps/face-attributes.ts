import { z } from 'zod';
import { estimateAttributes } from '../faces/face-analysis.js';
import {
  facesFor,
  facesValue,
  FacesRefShape,
  prepareFaceModels,
  requiresFace,
} from './face-inputs.js';
import { defineStep } from './step.js';

export const FaceAttributesOptionsSchema = z.strictObject({ ...FacesRefShape });

/**
 * Apparent age and gender ESTIMATES per face, for auto-tagging datasets (slices a human then
 * reviews); never for decisions about people. See faces/face-attributes.ts for their accuracy.
 */
export const faceAttributesStep = defineStep({
  type: 'face.attributes',
  summary: 'Add apparent age and gender ESTIMATES to every face (for auto-tagging datasets only)',
  options: FaceAttributesOptionsSchema,
  produces: 'faces',
  requires: requiresFace,
  reads: (o) => [{ name: o.faces, kind: 'faces', optional: true }],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh', 'attributes']);
    return {
      async run({ input, options, values, run }) {
        const faces = await facesFor({
          models,
          values,
          run,
          name: options.faces,
          image: input,
          required: options.required,
          landmarks: true,
        });
        const tagged = [];
        for (const face of faces)
          tagged.push({ ...face, attributes: await estimateAttributes(models, input, face, run) });
        return facesValue(tagged, input);
      },
    };
  },
});
