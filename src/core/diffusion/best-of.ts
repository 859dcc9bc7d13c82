import { invalidArgument, throwIfAborted } from '../errors.js';
import type { Image } from '../image/image.js';
import { resizeImage } from '../image/resize.js';
import type { GeneratedImage } from './pipeline.js';

/**
 * Best-of-N: generate one image per seed, score each against the input photo, keep the best k.
 * The score is pluggable: the diffusion step passes identity similarity to the photo's main face
 * when there is one (identity-score.ts), and closeness to the photo otherwise.
 */

/** Higher is better. Called once per candidate, in seed order. */
export type CandidateScore = (
  candidate: Image,
  input: Image,
  signal?: AbortSignal,
) => number | Promise<number>;

export interface RankedImage extends GeneratedImage {
  score: number;
}

/** The `keep` best candidates, best first; ties keep seed order. */
export async function rankCandidates(
  candidates: readonly GeneratedImage[],
  input: Image,
  score: CandidateScore,
  keep = 1,
  signal?: AbortSignal,
): Promise<RankedImage[]> {
  if (!Number.isInteger(keep) || keep < 1) throw invalidArgument('an integer >= 1', 'keep', keep);
  const scored: RankedImage[] = [];
  for (const candidate of candidates) {
    throwIfAborted(signal);
    const value = await score(candidate.image, input, signal);
    scored.push({ ...candidate, score: Number.isFinite(value) ? value : Number.NEGATIVE_INFINITY });
  }
  return scored
    .map((c, order) => ({ c, order }))
    .sort((a, b) => b.c.score - a.c.score || a.order - b.order)
    .slice(0, keep)
    .map(({ c }) => c);
}

/**
 * 1 - the mean absolute difference of RGB values in [0, 1]: 1 for the input itself. The default
 * score where no face is found; it prefers the candidate that changed the photo least.
 */
export function closenessScore(candidate: Image, input: Image): number {
  const other =
    candidate.width === input.width && candidate.height === input.height
      ? candidate
      : resizeImage(candidate, input.width, input.height);
  let sum = 0;
  for (let i = 0; i < input.data.length; i++) sum += Math.abs(other.data[i]! - input.data[i]!);
  return 1 - sum / input.data.length;
}
