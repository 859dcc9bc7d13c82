import { z } from 'zod';
import { createImage, type Image } from '../image/image.js';
import { fastLinearToSrgb, fastSrgbToLinear, luma601 } from '../image/srgb.js';
import { CurveSchema, curveTable, applyTable } from './curve.js';
import { defineStep } from './step.js';

export const ToneOptionsSchema = z.strictObject({
  /** Exposure in stops, applied to linear light. 0 = unchanged. */
  exposure: z.number().min(-5).max(5).default(0),
  /** -1 flat grey .. 0 unchanged .. 1 double contrast, around mid grey. */
  contrast: z.number().min(-1).max(1).default(0),
  /** -1 greyscale .. 0 unchanged .. 1 double saturation (luma kept). */
  saturation: z.number().min(-1).max(1).default(0),
  /** -1 cooler (blue) .. 1 warmer (amber), on linear light. */
  temperature: z.number().min(-1).max(1).default(0),
  /** -1 greener .. 1 more magenta. */
  tint: z.number().min(-1).max(1).default(0),
  /** 0..1: lift blacks and lower whites for a faded, matte look. */
  fade: z.number().min(0).max(1).default(0),
  /** Tone curves through control points [[in, out], ...] on [0, 1]; `rgb` applies to all channels first. */
  curves: z
    .strictObject({
      rgb: CurveSchema.optional(),
      r: CurveSchema.optional(),
      g: CurveSchema.optional(),
      b: CurveSchema.optional(),
    })
    .default({}),
});
export type ToneOptions = z.infer<typeof ToneOptionsSchema>;

/** Photographic tone and colour adjustments in one pass. */
export function tone(image: Image, o: ToneOptions): Image {
  const out = createImage(image.width, image.height);
  const src = image.data;
  const dst = out.data;
  const gain = Math.pow(2, o.exposure);
  // White balance as channel gains on linear light; 0.25 at the ends is about +-1500 K at 5500 K.
  const wb = [
    gain * (1 + 0.25 * o.temperature),
    gain * (1 - 0.25 * o.tint),
    gain * (1 - 0.25 * o.temperature),
  ];
  const linear = wb.some((g) => g !== 1);
  const contrast = 1 + o.contrast;
  const saturation = 1 + o.saturation;
  const lift = 0.12 * o.fade;
  const ceil = 1 - 0.08 * o.fade;
  const rgbCurve = o.curves.rgb ? curveTable(o.curves.rgb) : undefined;
  const channelCurves = [o.curves.r, o.curves.g, o.curves.b].map((c) =>
    c ? curveTable(c) : undefined,
  );
  for (let i = 0; i < src.length; i += 3) {
    let r = src[i]!;
    let g = src[i + 1]!;
    let b = src[i + 2]!;
    if (linear) {
      r = fastLinearToSrgb(fastSrgbToLinear(r) * wb[0]!);
      g = fastLinearToSrgb(fastSrgbToLinear(g) * wb[1]!);
      b = fastLinearToSrgb(fastSrgbToLinear(b) * wb[2]!);
    }
    if (contrast !== 1) {
      r = 0.5 + (r - 0.5) * contrast;
      g = 0.5 + (g - 0.5) * contrast;
      b = 0.5 + (b - 0.5) * contrast;
    }
    if (rgbCurve) {
      r = applyTable(rgbCurve, r);
      g = applyTable(rgbCurve, g);
      b = applyTable(rgbCurve, b);
    }
    if (channelCurves[0]) r = applyTable(channelCurves[0], r);
    if (channelCurves[1]) g = applyTable(channelCurves[1], g);
    if (channelCurves[2]) b = applyTable(channelCurves[2], b);
    if (saturation !== 1) {
      const y = luma601(r, g, b);
      r = y + (r - y) * saturation;
      g = y + (g - y) * saturation;
      b = y + (b - y) * saturation;
    }
    if (lift !== 0) {
      r = lift + r * (ceil - lift);
      g = lift + g * (ceil - lift);
      b = lift + b * (ceil - lift);
    }
    dst[i] = clamp01(r);
    dst[i + 1] = clamp01(g);
    dst[i + 2] = clamp01(b);
  }
  return out;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export const toneStep = defineStep({
  type: 'tone',
  summary: 'Exposure, contrast, saturation, temperature and tint, fade, and tone curves',
  options: ToneOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({ kind: 'image', image: tone(input, options) }),
  }),
});
