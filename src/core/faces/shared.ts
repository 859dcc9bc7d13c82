import type { Context } from '../context.js';
import { FaceModels } from './face-models.js';

/** The face models of a Context: loaded once and shared by every face step, the lab and the CLI. */
export function sharedFaceModels(ctx: Context): Promise<FaceModels> {
  return ctx.resources.get('face-models', async () => new FaceModels());
}
