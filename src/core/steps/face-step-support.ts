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
import {
  defineStep,
  type PrepareEnv,
  type Requirement,
  type RunState,
  type StepDefinition,
  type StepIO,
} from './step.js';
import type { Values } from './values.js';

/** Options of every step that works on faces. */
export const FacesRefShape = {
  /** Faces value to use (from face.detect); when the run has none, the step detects faces itself. */
  faces: z.string().min(1).default('faces'),
  /** End the run with FL_ERR_NO_FACE when there is no face (false: do nothing for no face). */
  required: z.boolean().default(true),
};

/** The options facesFor reads: a faces value name and, when the step has it, `required`. */
export interface FacesRef {
  faces: string;
  required?: boolean;
}

export const requiresFace = (o: { required: boolean }): readonly Requirement[] =>
  o.required ? ['face'] : [];

/** The `reads` entry of a faces value: optional, since without one the step detects faces. */
export function optionalFaces(name: string): { name: string; kind: 'faces'; optional: true } {
  return { name, kind: 'faces', optional: true };
}

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

export interface FacesForOptions {
  /** The image the faces are wanted in (their coordinates follow its size); default the input. */
  image?: Image;
  /** Default: the step's `required` option, or true for a step without one. */
  required?: boolean;
}

/**
 * The faces of an image, each with its 468-point mesh: the value named by the step's `faces`
 * option (scaled to the image) if present, else detected.
 */
export async function facesFor(
  models: FaceModels,
  { input, options, values, run }: StepIO<FacesRef>,
  { image = input, required = options.required ?? true }: FacesForOptions = {},
): Promise<Face[]> {
  const faces =
    existingFaces(values, options.faces, image) ?? (await detectFaces(models, image, {}, run));
  if (faces.length === 0 && required) throw noFaceError(image);
  return Promise.all(
    faces.map(async (f) =>
      f.landmarks ? f : { ...f, landmarks: (await faceLandmarks(models, image, f, run)).landmarks },
    ),
  );
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

/** The options of a step whose only options are FacesRefShape's. */
export interface FacesRefOptions {
  faces: string;
  required: boolean;
}

export interface FaceAnnotation {
  type: string;
  summary: string;
  options: z.ZodType<FacesRefOptions>;
  /** The models `annotate` uses besides the detector and the mesh. */
  models: readonly FaceModelKind[];
  /** What to add to one face (which has its landmarks); none: the landmarks are the annotation. */
  annotate?(models: FaceModels, image: Image, face: Face, run: RunState): Promise<Partial<Face>>;
}

/** A step that adds something to every face of its input: faces in, the same faces out. */
export function defineFaceAnnotationStep(def: FaceAnnotation): StepDefinition<FacesRefOptions> {
  const { annotate } = def;
  return defineStep({
    type: def.type,
    summary: def.summary,
    options: def.options,
    produces: 'faces',
    requires: requiresFace,
    reads: (o) => [optionalFaces(o.faces)],
    async prepare(_options, env) {
      const models = await prepareFaceModels(env, ['detector', 'mesh', ...def.models]);
      return {
        async run(io) {
          const faces = await facesFor(models, io);
          if (annotate) {
            for (const [i, face] of faces.entries())
              faces[i] = { ...face, ...(await annotate(models, io.input, face, io.run)) };
          }
          return facesValue(faces, io.input);
        },
      };
    },
  });
}
