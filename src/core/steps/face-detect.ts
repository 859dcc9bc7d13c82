import { z } from 'zod';
import { detectFaces } from '../faces/face-analysis.js';
import { DEFAULT_MIN_SCORE } from '../faces/face-detector.js';
import { facesValue, noFaceError, prepareFaceModels, requiresFace } from './face-step-support.js';
import { defineStep } from './step.js';

export const FaceDetectOptionsSchema = z.strictObject({
  /**
   * Smallest face kept, by box width: below 1 a fraction of the image's long side, from 1 up
   * pixels of a 1024 px long side (so one setting suits any photo size). 0 keeps every face.
   */
  minSize: z.number().min(0).max(1024).default(0),
  /** Detector confidence below which a face is dropped. */
  minScore: z.number().min(0).max(1).default(DEFAULT_MIN_SCORE),
  maxFaces: z.number().int().min(1).max(100).default(100),
  /** End the run with FL_ERR_NO_FACE when no face is found (false: an empty faces value). */
  required: z.boolean().default(true),
});
export type FaceDetectOptions = z.infer<typeof FaceDetectOptionsSchema>;

/** Minimum face width in this image's pixels. */
export function minFacePixels(minSize: number, width: number, height: number): number {
  const long = Math.max(width, height);
  return minSize < 1 ? minSize * long : (minSize * long) / 1024;
}

export const faceDetectStep = defineStep({
  type: 'face.detect',
  summary: 'Find every face (box, score, 6 keypoints), best first; no face ends the run',
  options: FaceDetectOptionsSchema,
  produces: 'faces',
  requires: requiresFace,
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector']);
    return {
      async run({ input, options, run }) {
        const faces = await detectFaces(
          models,
          input,
          {
            minSize: minFacePixels(options.minSize, input.width, input.height),
            minScore: options.minScore,
            maxFaces: options.maxFaces,
          },
          run,
        );
        if (faces.length === 0 && options.required) throw noFaceError(input);
        return facesValue(faces, input);
      },
    };
  },
});
