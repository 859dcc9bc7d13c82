/** Where tests find the repository, the generated fixtures and the shared photo set. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Written by test/global-setup.ts; git-ignored, regenerated when its recipe changes. */
export const FIXTURE_GENERATED = path.join(REPO_ROOT, 'test', 'fixtures', 'generated');
export const FIXTURE_MODELS = path.join(FIXTURE_GENERATED, 'models');

/** Real photos (see its README.md); never copied into the repo. */
export const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(REPO_ROOT, '../shared/data/faces-dev');

/**
 * The one policy for a missing photo set: the run fails, at once and loudly. Tests that read
 * faces-dev never skip: a skipped check looks like a passed one, and CI always has the set.
 * Called by test/global-setup.ts before any test file is loaded.
 */
export function requireFacesDev(dir = FACES_DEV): void {
  if (existsSync(path.join(dir, 'labels.csv'))) return;
  throw new Error(
    `The faces-dev photo set is missing: no labels.csv in ${dir}. Tests read real photos from ` +
      `../shared/data/faces-dev beside the repository; set FILTERLAB_FACES_DEV to its folder ` +
      `if it lives elsewhere.`,
  );
}
