import { z } from 'zod';
import {
  facesFor,
  facesValue,
  FacesRefShape,
  prepareFaceModels,
  requiresFace,
} from './face-inputs.js';
import { defineStep } from './step.js';

export const FaceLandmarksOptionsSchema = z.strictObject({ ...FacesRefShape });

export const faceLandmarksStep = defineStep({
  type: 'face.landmarks',
  summary: 'Add the 468-point FaceMesh landmarks to every face',
  options: FaceLandmarksOptionsSchema,
  produces: 'faces',
  requires: requiresFace,
  reads: (o) => [{ name: o.faces, kind: 'faces', optional: true }],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh']);
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
        return facesValue(faces, input);
      },
    };
  },
});
