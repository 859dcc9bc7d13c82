/**
 * What the face steps share: the faces-value options, loading the Context's face models once
 * at compile time (with their hashes in the filter's version id), and getting the faces of an
 * image, from a named value when an earlier step made one or by detecting them.
 */
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { detectFaces, faceLandmarks } from '../faces/face-analysis.js';
import type { FaceModelKind, FaceModels } from '../faces/face-models.js';
import { scaleFaces, type Face } from '../faces/face.js';
import type { Image } from '../image/image.js';
import type { PrepareEnv, Requirement, RunState } from './step.js';
import type { Values } from './values.js';

/** Options of every step that works on faces. */
export const FacesRefShape = {
  /** Faces value to use (from face.detect); when the run has none, the step detects faces itself. */
  faces: z.string().min(1).default('faces'),
  /** End the run with FL_ERR_NO_FACE when there is no face (false: do nothing for no face). */
  required: z.boolean().default(true),
};

export const requiresFace = (o: { required: boolean }): readonly Requirement[] =>
  o.required ? ['face'] : [];

/** Load the face models a step uses, once per Context, and record their hashes. */
export async function prepareFaceModels(
  env: PrepareEnv,
  kinds: readonly FaceModelKind[],
): Promise<FaceModels> {
  // Imported on first use: the face models pull in tfjs (~0.35 s), which filters without a
  // face step never need.
  const { sharedFaceModels } = await import('../faces/shared.js');
  const models = await sharedFaceModels(env.ctx);
  for (const kind of kinds) {
    await models[kind]();
    env.addHash(`tfjs:${path.basename(models.modelFile(kind))}`, await models.modelHash(kind));
  }
  return models;
}

export interface FacesRequest {
  models: FaceModels;
  values: Values;
  run: RunState;
  /** Faces value name. */
  name: string;
  /** The image the faces are wanted in (their coordinates follow its size). */
  image: Image;
  required: boolean;
  /** Add the 468-point mesh to faces that lack it. */
  landmarks?: boolean;
}

/** The faces of `image`: the named value (scaled to the image) if present, else detected. */
export async function facesFor(req: FacesRequest): Promise<Face[]> {
  const { image, run } = req;
  let faces = existingFaces(req.values, req.name, image);
  faces ??= await detectFaces(req.models, image, {}, run);
  if (faces.length === 0 && req.required) throw noFaceError(image);
  if (req.landmarks) {
    faces = await Promise.all(
      faces.map(async (f) =>
        f.landmarks
          ? f
          : { ...f, landmarks: (await faceLandmarks(req.models, image, f, run)).landmarks },
      ),
    );
  }
  return faces;
}

function existingFaces(values: Values, name: string, image: Image): Face[] | undefined {
  if (!values.has(name)) return undefined;
  const v = values.get(name);
  if (v.kind !== 'faces') {
    throw new FilterlabError(
      'FL_ERR_SPEC_INVALID',
      `Expected "${name}" to be faces but it is a ${v.kind}`,
    );
  }
  if (v.width === image.width && v.height === image.height) return v.faces;
  return scaleFaces(v.faces, image.width / v.width, image.height / v.height);
}

/** The outcome of a face-needing step on a photo without one (not a fault: see ERROR_CODES). */
export function noFaceError(
  image: { width: number; height: number },
  what = 'the photo',
): FilterlabError {
  return new FilterlabError(
    'FL_ERR_NO_FACE',
    `No face found in ${what} (${image.width}x${image.height}): this filter needs one`,
    { details: { width: image.width, height: image.height } },
  );
}

/** A faces value of `image`'s size. */
export function facesValue(
  faces: Face[],
  image: { width: number; height: number },
): { kind: 'faces'; faces: Face[]; width: number; height: number } {
  return { kind: 'faces', faces, width: image.width, height: image.height };
}
