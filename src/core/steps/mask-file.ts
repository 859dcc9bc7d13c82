import path from 'node:path';
import { z } from 'zod';
import { readImage } from '../image/decode.js';
import { createMask, type Mask } from '../image/image.js';
import { resizeMask } from '../image/resize.js';
import { luma601 } from '../image/srgb.js';
import { defineStep } from './step.js';

export const MaskFileOptionsSchema = z.strictObject({
  /** Greyscale image file (white = selected), relative to the spec. */
  file: z.string().min(1),
  invert: z.boolean().default(false),
});

export const maskFileStep = defineStep({
  type: 'mask.file',
  summary: 'Load a mask from a greyscale image file (white = selected), resized to the input',
  options: MaskFileOptionsSchema,
  produces: 'mask',
  async prepare(options, env) {
    const { image, info } = await readImage(path.resolve(env.baseDir, options.file));
    env.addHash(`mask:${options.file}`, info.sourceHash);
    const mask = createMask(image.width, image.height);
    for (let i = 0; i < mask.data.length; i++) {
      const v = luma601(image.data[i * 3]!, image.data[i * 3 + 1]!, image.data[i * 3 + 2]!);
      mask.data[i] = options.invert ? 1 - v : v;
    }
    return {
      run: ({ input }): { kind: 'mask'; mask: Mask } => ({
        kind: 'mask',
        mask:
          mask.width === input.width && mask.height === input.height
            ? mask
            : resizeMask(mask, input.width, input.height),
      }),
    };
  },
});
