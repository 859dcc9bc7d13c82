import { z } from 'zod';
import { embedFace } from '../faces/face-analysis.js';
import {
  facesFor,
  facesValue,
  FacesRefShape,
  prepareFaceModels,
  requiresFace,
} from './face-inputs.js';
import { defineStep } from './step.js';

export const FaceEmbedOptionsSchema = z.strictObject({ ...FacesRefShape });

export const faceEmbedStep = defineStep({
  type: 'face.embed',
  summary: 'Add an identity vector (L2-normalised embedding) to every face',
  options: FaceEmbedOptionsSchema,
  produces: 'faces',
  requires: requiresFace,
  reads: (o) => [{ name: o.faces, kind: 'faces', optional: true }],
  async prepare(_options, env) {
    // Landmarks align the face better than the 6 keypoints; faces-eval measured it that way.
    const models = await prepareFaceModels(env, ['detector', 'mesh', 'embedder']);
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
        const embedded = [];
        for (const face of faces)
          embedded.push({ ...face, embedding: await embedFace(models, input, face, run) });
        return facesValue(embedded, input);
      },
    };
  },
});
