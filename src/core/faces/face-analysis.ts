/**
 * The faces library's entry points: each takes the FaceModels of a Context, loads what it
 * needs once, and works in the input image's pixel coordinates.
 */
import type { Image, Mask } from '../image/image.js';
import type { DetectFacesOptions } from './face-detector.js';
import type { AttributeEstimate, Face } from './face.js';
import type { FaceMeshResult } from './face-mesh.js';
import type { FaceModels } from './face-models.js';

export interface RunOptions {
  signal?: AbortSignal;
}

/** Every face in the photo, best first (empty when there is none). */
export async function detectFaces(
  models: FaceModels,
  image: Image,
  options: DetectFacesOptions = {},
  run: RunOptions = {},
): Promise<Face[]> {
  return (await models.detector()).detect(image, options, run.signal);
}

/** The 468 FaceMesh landmarks of one detected face. */
export async function faceLandmarks(
  models: FaceModels,
  image: Image,
  face: Pick<Face, 'box' | 'keypoints'>,
  run: RunOptions = {},
): Promise<FaceMeshResult> {
  return (await models.mesh()).landmarks(image, face, run.signal);
}

/** The L2-normalised identity embedding of one face; landmarks, when present, align it better. */
export async function embedFace(
  models: FaceModels,
  image: Image,
  face: Pick<Face, 'keypoints' | 'landmarks'>,
  run: RunOptions = {},
): Promise<Float32Array> {
  return (await models.embedder()).embed(image, face, run.signal);
}

/** Soft person mask (1 = person) at the image's resolution. */
export async function segmentPerson(
  models: FaceModels,
  image: Image,
  run: RunOptions = {},
): Promise<Mask> {
  return (await models.segmenter()).segment(image, run.signal);
}

/** Apparent age and gender estimates, for auto-tagging datasets only. */
export async function estimateAttributes(
  models: FaceModels,
  image: Image,
  face: Pick<Face, 'keypoints' | 'landmarks'>,
  run: RunOptions = {},
): Promise<AttributeEstimate> {
  return (await models.attributes()).estimate(image, face, run.signal);
}

export interface AnalyzeFacesOptions extends DetectFacesOptions {
  landmarks?: boolean;
  embedding?: boolean;
}

/** Detect every face and add landmarks and embeddings as asked (both by default). */
export async function analyzeFaces(
  models: FaceModels,
  image: Image,
  options: AnalyzeFacesOptions = {},
  run: RunOptions = {},
): Promise<Face[]> {
  const { landmarks = true, embedding = true, ...detect } = options;
  const faces = await detectFaces(models, image, detect, run);
  for (const face of faces) {
    if (landmarks) face.landmarks = (await faceLandmarks(models, image, face, run)).landmarks;
    if (embedding) face.embedding = await embedFace(models, image, face, run);
  }
  return faces;
}
