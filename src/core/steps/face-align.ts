import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { alignFace } from '../faces/face-align.js';
import { mainFaceIndex, type Face } from '../faces/face.js';
import { facesFor, noFaceError, optionalFaces, prepareFaceModels } from './face-step-support.js';
import { defineStep } from './step.js';

/** Which face: 'main' (the largest) or an index into the faces value (best first). */
export const FaceChoiceSchema = z
  .union([z.literal('main'), z.number().int().min(0)])
  .default('main');

/** Options face.align and face.paste share: they must agree for the paste to land. */
export const AlignShape = {
  /** Faces value to use; without one, faces are detected on the step's input. */
  faces: z.string().min(1).default('faces'),
  face: FaceChoiceSchema,
  /** Room around the ArcFace framing, as a fraction of the crop: 0.25 shows hair and chin. */
  margin: z.number().min(0).max(2).default(0.25),
};

export const FaceAlignOptionsSchema = z.strictObject({
  ...AlignShape,
  /** Side of the square crop in pixels (a face model's input size, e.g. 512). */
  size: z.number().int().min(16).max(2048).default(512),
});

/** The chosen face of a list, or FL_ERR_NO_FACE naming what was asked. */
export function chooseFace(
  faces: readonly Face[],
  choice: 'main' | number,
  image: { width: number; height: number },
): Face {
  if (faces.length === 0) throw noFaceError(image);
  const face = faces[choice === 'main' ? mainFaceIndex(faces) : choice];
  if (!face) {
    throw new FilterlabError(
      'FL_ERR_NO_FACE',
      `Expected face #${choice} but the photo (${image.width}x${image.height}) has ${faces.length} (numbered from 0)`,
      { details: { face: choice, found: faces.length } },
    );
  }
  return face;
}

/** Align with landmarks when the mesh is there: their eye centres are steadier than keypoints. */
export const faceAlignStep = defineStep({
  type: 'face.align',
  summary: 'Cut one face out onto a canonical upright square crop (for face-only models)',
  options: FaceAlignOptionsSchema,
  produces: 'image',
  requires: ['face'],
  reads: (o) => [optionalFaces(o.faces)],
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'mesh']);
    return {
      async run(io) {
        const { input, options } = io;
        const face = chooseFace(await facesFor(models, io), options.face, input);
        return {
          kind: 'image',
          image: alignFace(input, face, { size: options.size, margin: options.margin }).image,
        };
      },
    };
  },
});
