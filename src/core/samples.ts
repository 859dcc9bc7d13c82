import path from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * The public-domain sample portraits shipped in `samples/portraits/` (licences in its README):
 * the default photos of `demo`, `bench`, the example experiment and the web app's filter cards,
 * so that a fresh install runs them with nothing beside it.
 */
export function samplePortraitsDir(): string {
  return path.join(packageRoot(), 'samples', 'portraits');
}

/** One sample portrait: the default photo of `bench` and of the web app's filter cards. */
export const SAMPLE_PORTRAIT = 'S001185.jpg';

export function samplePortrait(): string {
  return path.join(samplePortraitsDir(), SAMPLE_PORTRAIT);
}
