import path from 'node:path';
import type { Context } from '../context.js';
import type { Image } from '../image/image.js';
import { stepSeed } from '../steps/step.js';
import { rankCandidates, type RankedImage } from './best-of.js';
import { chooseScore, type Ranking } from './choose-score.js';
import {
  StableDiffusionPipeline,
  type DiffusionRequest,
  type DiffusionResult,
  type PipelineSource,
} from './pipeline.js';

/** Where diffusion sessions keep ONNX Runtime's optimised graphs, inside the models folder. */
export const ORT_CACHE_FOLDER = '.ort-cache';

/**
 * The one path from settings to kept images, shared by the `diffusion.img2img` step and
 * `filterlab diffusion run`, so that the same settings and seed give the same pixels through
 * either door: the same pipeline cache, the same seed rule, the same ranking.
 *
 * Seed rule: a step at position i of a filter run with seed S draws candidate k from
 * stepSeed(S, i) + seedOffset + k. `filterlab diffusion run --seed S` is a one-step filter run
 * with seed S (position 0, offset 0).
 */

/** Candidate k's seed: base + k, wrapped to 32 bits. */
export function candidateSeeds(base: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => (base + k) >>> 0);
}

/** The base seed of a step's candidates (see the seed rule above). */
export function baseSeed(runSeed: number, stepIndex: number, seedOffset = 0): number {
  return (stepSeed({ seed: runSeed, stepIndex }) + seedOffset) >>> 0;
}

/**
 * A pipeline loaded once per Context, source and session options, shared by every caller. Its
 * sessions keep ONNX Runtime's optimised graphs in `<models folder>/.ort-cache` (a UNet's graph
 * optimisation is most of its load time) unless the context's session options name another
 * folder, or '' for none.
 */
export function sharedPipeline(
  ctx: Context,
  source: PipelineSource,
  threads?: number,
): Promise<StableDiffusionPipeline> {
  const sessionOptions = {
    ...ctx.sessionOptions,
    optimizedCacheDir:
      ctx.sessionOptions.optimizedCacheDir ?? path.join(ctx.models.root, ORT_CACHE_FOLDER),
    ...(threads ? { threads } : {}),
  };
  const key = `diffusion:${source.hash ?? source.dir}:${JSON.stringify(sessionOptions)}`;
  return ctx.resources.get(key, () =>
    StableDiffusionPipeline.load(source, {
      onnx: ctx.onnx,
      logger: ctx.logger,
      sessionOptions,
    }),
  );
}

export interface BestOfOptions {
  /** Candidates to generate (seeds base, base + 1, ...). */
  bestOf: number;
  /** How many of the best to return, best first; default 1. */
  keep?: number;
  rank: Ranking;
}

export interface BestOfResult {
  result: DiffusionResult;
  /** The kept candidates, best first (the only one when bestOf is 1). */
  kept: RankedImage[];
}

/** img2img with best-of-N: generate, rank against the photo, keep the best. */
export async function generateBestOf(
  pipeline: StableDiffusionPipeline,
  ctx: Context,
  request: Omit<DiffusionRequest, 'seeds'> & { image: Image },
  base: number,
  o: BestOfOptions,
): Promise<BestOfResult> {
  const result = await pipeline.generate({ ...request, seeds: candidateSeeds(base, o.bestOf) });
  if (result.images.length === 1) {
    return { result, kept: [{ ...result.images[0]!, score: Number.NaN }] };
  }
  const score = await chooseScore(o.rank, ctx, request.image, request.signal);
  const kept = await rankCandidates(
    result.images,
    request.image,
    score,
    o.keep ?? 1,
    request.signal,
  );
  return { result, kept };
}
