import { z } from 'zod';
import { segmentPerson } from '../faces/face-analysis.js';
import { blurMask } from '../image/blur.js';
import { prepareFaceModels } from './face-step-support.js';
import { defineStep } from './step.js';

export const SegmentPersonOptionsSchema = z.strictObject({
  /** Soften the mask edge: blur sigma in pixels of a 1024 px long side. */
  feather: z.number().min(0).max(100).default(0),
});

export const segmentPersonStep = defineStep({
  type: 'segment.person',
  summary: 'Soft person mask (1 = person) at the input resolution',
  options: SegmentPersonOptionsSchema,
  produces: 'mask',
  async prepare(_options, env) {
    const models = await prepareFaceModels(env, ['segmenter']);
    return {
      async run({ input, options, run }) {
        const mask = await segmentPerson(models, input, run);
        const sigma = (options.feather * Math.max(input.width, input.height)) / 1024;
        return { kind: 'mask', mask: sigma > 0 ? blurMask(mask, sigma) : mask };
      },
    };
  },
});
