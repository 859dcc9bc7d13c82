import { z } from 'zod';
import { defineFaceAnnotationStep, FacesRefShape } from './face-step-support.js';

export const FaceLandmarksOptionsSchema = z.strictObject({ ...FacesRefShape });

export const faceLandmarksStep = defineFaceAnnotationStep({
  type: 'face.landmarks',
  summary: 'Add the 468-point FaceMesh landmarks to every face',
  options: FaceLandmarksOptionsSchema,
  models: [],
});
