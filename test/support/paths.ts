/** Where tests find the repository, the generated fixtures and the shared photo set. */
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Written by test/global-setup.ts; git-ignored, regenerated when its recipe changes. */
export const FIXTURE_GENERATED = path.join(REPO_ROOT, 'test', 'fixtures', 'generated');
export const FIXTURE_MODELS = path.join(FIXTURE_GENERATED, 'models');

/** Real photos (see its README.md); never copied into the repo. */
export const FACES_DEV = process.env.FILTERLAB_FACES_DEV
  ? path.resolve(process.env.FILTERLAB_FACES_DEV)
  : path.resolve(REPO_ROOT, '../shared/data/faces-dev');
