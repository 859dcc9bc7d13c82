import type { Image } from '../image/image.js';
import { boxIou, type Face } from '../faces/face.js';
import { detectFaces, embedFace } from '../faces/face-analysis.js';
import { compareFaces } from '../faces/face-embedder.js';
import type { FaceModels } from '../faces/face-models.js';
import type { CandidateScore } from './best-of.js';

/**
 * Identity similarity to the photo's main face, for ranking best-of-N candidates: the cosine
 * similarity of the face embeddings (faces/face-embedder.ts) of the input's main face and of the
 * candidate's face that overlaps it most. A candidate whose face vanished scores -1, below any
 * candidate that kept one. Undefined when the input has no face: the caller picks another score.
 */
export async function identityScore(
  models: FaceModels,
  input: Image,
  signal?: AbortSignal,
): Promise<CandidateScore | undefined> {
  const run = signal ? { signal } : {};
  const main = (await detectFaces(models, input, {}, run))[0];
  if (!main) return undefined;
  const reference = await embedFace(models, input, main, run);
  return async (candidate, _input, candidateSignal) => {
    const runCandidate = candidateSignal ? { signal: candidateSignal } : run;
    const faces = await detectFaces(models, candidate, {}, runCandidate);
    const face = overlapping(faces, main);
    if (!face) return -1;
    return compareFaces(reference, await embedFace(models, candidate, face, runCandidate));
  };
}

function overlapping(faces: readonly Face[], main: Face): Face | undefined {
  let best: Face | undefined;
  let bestIou = 0;
  for (const face of faces) {
    const iou = boxIou(face.box, main.box);
    if (iou > bestIou) {
      best = face;
      bestIou = iou;
    }
  }
  return best;
}
