import { z } from 'zod';
import { blurMask } from '../image/blur.js';
import { foregroundColour } from '../image/foreground-colour.js';
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
  /**
   * The input is a foreground cut out by the mask (kept where the overlay does not cover it):
   * where it is partly covered (hair edges) use its estimated own colour, not the photo's mix
   * with the old background, so that background leaves no fringe over the overlay.
   */
  decontaminate: z.boolean().default(false),
});
export type BlendOptions = z.infer<typeof BlendOptionsSchema>;

/**
 * base * (1 - m) + overlay * m, with m = strength * (feathered, maybe inverted) mask; with
 * `decontaminate`, base is first replaced by its foreground colour under the alpha it keeps.
 */
export function blend(
  input: Image,
  overlay: Image,
  mask: Mask | undefined,
  o: Omit<BlendOptions, 'overlay' | 'mask' | 'decontaminate'> & { decontaminate?: boolean },
): Image {
  const { width: w, height: h } = input;
  const top = sameSize(overlay, input) ? overlay : resizeImage(overlay, w, h);
  let m = mask ?? fillMask(w, h, 1);
  if (!sameSize(m, input)) m = resizeMask(m, w, h);
  if (o.feather > 0) m = blurMask(m, (o.feather * Math.max(w, h)) / 1024);
  const base = o.decontaminate ? foregroundColour(input, keptAlpha(m, o.invert)) : input;
  const out = createImage(w, h);
  for (let i = 0, p = 0; i < m.data.length; i++, p += 3) {
    const mv = m.data[i]!;
    const a = o.strength * (o.invert ? 1 - mv : mv);
    for (let c = 0; c < 3; c++)
      out.data[p + c] = base.data[p + c]! + a * (top.data[p + c]! - base.data[p + c]!);
  }
  return out;
}

/** The share of the input that the mask keeps (1 where the overlay does not cover it). */
function keptAlpha(mask: Mask, invert: boolean): Mask {
  return invert ? mask : { ...mask, data: mask.data.map((v) => 1 - v) };
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
