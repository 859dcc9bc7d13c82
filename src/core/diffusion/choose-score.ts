import type { Context } from '../context.js';
import { FilterlabError } from '../errors.js';
import type { Image } from '../image/image.js';
import { closenessScore, type CandidateScore } from './best-of.js';

/**
 * How best-of-N ranks its candidates: identity (similarity to the photo's main face; a photo
 * without a face is an FL_ERR_NO_FACE outcome), closeness (least changed), or auto (identity
 * when the photo has a face, else closeness).
 */
export const RANKINGS = ['auto', 'identity', 'closeness'] as const;
export type Ranking = (typeof RANKINGS)[number];

export async function chooseScore(
  rank: Ranking,
  ctx: Context,
  input: Image,
  signal?: AbortSignal,
): Promise<CandidateScore> {
  if (rank === 'closeness') return closenessScore;
  // Loaded on first use: the face models pull in tfjs, which runs without best-of-N never need.
  const { FaceModels } = await import('../faces/face-models.js');
  const { identityScore } = await import('./identity-score.js');
  // One FaceModels per Context, shared with the face steps through the same resource key.
  const models = await ctx.resources.get('face-models', async () => new FaceModels());
  const score = await identityScore(models, input, signal);
  if (score) return score;
  if (rank === 'auto') return closenessScore;
  throw new FilterlabError(
    'FL_ERR_NO_FACE',
    'Expected a face in the photo to rank best-of-N candidates by identity (rank: identity) but found none; use rank closeness or auto',
  );
}
