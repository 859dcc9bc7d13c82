import { z } from 'zod';
import { estimateAttributes } from '../faces/face-analysis.js';
import { defineFaceAnnotationStep, FacesRefShape } from './face-step-support.js';

export const FaceAttributesOptionsSchema = z.strictObject({ ...FacesRefShape });

/**
 * Apparent age and gender ESTIMATES per face, for auto-tagging datasets (slices a human then
 * reviews); never for decisions about people. See faces/face-attributes.ts for their accuracy.
 */
export const faceAttributesStep = defineFaceAnnotationStep({
  type: 'face.attributes',
  summary: 'Add apparent age and gender ESTIMATES to every face (for auto-tagging datasets only)',
  options: FaceAttributesOptionsSchema,
  models: ['attributes'],
  annotate: async (models, image, face, run) => ({
    attributes: await estimateAttributes(models, image, face, run),
  }),
});
