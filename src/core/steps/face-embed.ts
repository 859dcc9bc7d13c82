import { z } from 'zod';
import { embedFace } from '../faces/face-analysis.js';
import { defineFaceAnnotationStep, FacesRefShape } from './face-step-support.js';

export const FaceEmbedOptionsSchema = z.strictObject({ ...FacesRefShape });

export const faceEmbedStep = defineFaceAnnotationStep({
  type: 'face.embed',
  summary: 'Add an identity vector (L2-normalised embedding) to every face',
  options: FaceEmbedOptionsSchema,
  models: ['embedder'],
  // The face comes with its landmarks: they align it better than the 6 keypoints do
  // (faces-eval measured it that way).
  annotate: async (models, image, face, run) => ({
    embedding: await embedFace(models, image, face, run),
  }),
});
