/** The real style checkpoints beside the repository (see their README.md); never copied into it. */
import path from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

export const STYLE_CHECKPOINTS = process.env.FILTERLAB_STYLE_CHECKPOINTS
  ? path.resolve(process.env.FILTERLAB_STYLE_CHECKPOINTS)
  : path.resolve(REPO_ROOT, '../shared/models/style-transfer');
