import { z } from 'zod';
import { FilterlabError } from '../errors.js';
import { findPerson } from '../faces/find-person.js';
import { blurMask } from '../image/blur.js';
import { prepareFaceModels, requiresFace } from './face-step-support.js';
import { defineStep } from './step.js';

export const SegmentPersonOptionsSchema = z.strictObject({
  /** Soften the mask edge: blur sigma in pixels of a 1024 px long side. */
  feather: z.number().min(0).max(100).default(0),
  /**
   * A photo with no person (no face: a pet, a landscape) ends the run with FL_ERR_NO_FACE;
   * false gives an all-0 mask instead.
   */
  required: z.boolean().default(false),
});

export const segmentPersonStep = defineStep({
  type: 'segment.person',
  summary:
    'Soft person mask (1 = person) at the input resolution, edge snapped to the photo, holes filled; all 0 without a person',
  options: SegmentPersonOptionsSchema,
  produces: 'mask',
  requires: requiresFace,
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['detector', 'segmenter']);
    return {
      async run({ input, options, run }) {
        const { found, mask } = await findPerson(models, input, run);
        if (!found && options.required)
          throw new FilterlabError(
            'FL_ERR_NO_FACE',
            `No person found in the photo (${input.width}x${input.height}): this filter needs one`,
            { details: { width: input.width, height: input.height } },
          );
        const sigma = (options.feather * Math.max(input.width, input.height)) / 1024;
        return { kind: 'mask', mask: sigma > 0 ? blurMask(mask, sigma) : mask };
      },
    };
  },
});
