import { z } from 'zod';
import { blurMask } from '../image/blur.js';
import { createImage, fillMask, sameSize, type Image, type Mask } from '../image/image.js';
import { resizeImage, resizeMask } from '../image/resize.js';
import { defineStep } from './step.js';

export const BlendOptionsSchema = z.strictObject({
  /** The image laid over the input where the mask is 1. */
  overlay: z.string().min(1),
  /** Mask value name; without one, the overlay covers everything (a cross-fade by `strength`). */
  mask: z.string().min(1).optional(),
  /** Use 1 - mask. */
  invert: z.boolean().default(false),
  /** Soften the mask edge: blur sigma in pixels of a 1024 px long side. */
  feather: z.number().min(0).max(100).default(0),
  /** Overall opacity of the overlay. */
  strength: z.number().min(0).max(1).default(1),
});
export type BlendOptions = z.infer<typeof BlendOptionsSchema>;

/** base * (1 - m) + overlay * m, with m = strength * (feathered, maybe inverted) mask. */
export function blend(
  base: Image,
  overlay: Image,
  mask: Mask | undefined,
  o: Omit<BlendOptions, 'overlay' | 'mask'>,
): Image {
  const { width: w, height: h } = base;
  const top = sameSize(overlay, base) ? overlay : resizeImage(overlay, w, h);
  let m = mask ?? fillMask(w, h, 1);
  if (!sameSize(m, base)) m = resizeMask(m, w, h);
  if (o.feather > 0) m = blurMask(m, (o.feather * Math.max(w, h)) / 1024);
  const out = createImage(w, h);
  for (let i = 0, p = 0; i < m.data.length; i++, p += 3) {
    const mv = m.data[i]!;
    const a = o.strength * (o.invert ? 1 - mv : mv);
    for (let c = 0; c < 3; c++)
      out.data[p + c] = base.data[p + c]! + a * (top.data[p + c]! - base.data[p + c]!);
  }
  return out;
}

export const blendStep = defineStep({
  type: 'blend',
  summary: 'Blend an overlay image over the input through a feathered mask',
  options: BlendOptionsSchema,
  produces: 'image',
  reads: (o) => [
    { name: o.overlay, kind: 'image' },
    ...(o.mask ? [{ name: o.mask, kind: 'mask' as const }] : []),
  ],
  prepare: () => ({
    run: ({ input, options, values }) => ({
      kind: 'image',
      image: blend(
        input,
        values.image(options.overlay),
        options.mask ? values.mask(options.mask) : undefined,
        options,
      ),
    }),
  }),
});
