import { z } from 'zod';
import { createImage, type Image } from '../image/image.js';
import { linearToSrgb, luma601, srgbToLinear } from '../image/srgb.js';
import { CurveSchema, curveTable, applyTable } from './curve.js';
import { defineStep } from './step.js';

export const ToneOptionsSchema = z.strictObject({
  /** Exposure in stops, applied to linear light. 0 = unchanged. */
  exposure: z.number().min(-5).max(5).default(0),
  /** -1 flat grey .. 0 unchanged .. 1 double contrast, around mid grey. */
  contrast: z.number().min(-1).max(1).default(0),
  /** -1 greyscale .. 0 unchanged .. 1 double saturation (luma kept). */
  saturation: z.number().min(-1).max(1).default(0),
  /**
   * 0..1: keep skin-hued pixels (orange-red hues, any lightness, so every skin tone) out of the
   * saturation change, as a photographer's "vibrance" does: 1 leaves their saturation as it is,
   * so a vivid look does not turn faces orange.
   */
  protectSkin: z.number().min(0).max(1).default(0),
  /** -1 cooler (blue) .. 1 warmer (amber), on linear light. */
  temperature: z.number().min(-1).max(1).default(0),
  /** -1 greener .. 1 more magenta. */
  tint: z.number().min(-1).max(1).default(0),
  /** 0..1: lift blacks and lower whites for a faded, matte look. */
  fade: z.number().min(0).max(1).default(0),
  /**
   * How the fade lifts: 'linear' maps [0, 1] onto [lift, ceiling] (every tone moves, darker ones
   * up the most); 'toe' lifts only the deepest shadows (luma below 25%) and lowers only the
   * brightest highlights (luma above 80%), so skin of every tone keeps its lightness and darker skin is not
   * lightened more than lighter skin.
   */
  fadeShape: z.enum(['linear', 'toe']).default('linear'),
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
  // Everything up to saturation acts on each channel alone, so it is baked into one table per
  // channel; the loop then does three lookups, the saturation mix and the fade.
  const [tr, tg, tb] = channelTables(o) as [Float32Array, Float32Array, Float32Array];
  const saturation = 1 + o.saturation;
  const lift = 0.12 * o.fade;
  const ceil = 1 - 0.08 * o.fade;
  for (let i = 0; i < src.length; i += 3) {
    let r = lookup(tr, src[i]!);
    let g = lookup(tg, src[i + 1]!);
    let b = lookup(tb, src[i + 2]!);
    if (saturation !== 1) {
      const y = luma601(r, g, b);
      const k =
        o.protectSkin > 0
          ? 1 + (saturation - 1) * (1 - o.protectSkin * skinHueWeight(r, g, b, y))
          : saturation;
      r = y + (r - y) * k;
      g = y + (g - y) * k;
      b = y + (b - y) * k;
    }
    if (lift !== 0) {
      if (o.fadeShape === 'toe') {
        // By luma, the same shift on every channel: a dark blue channel of skin is not lifted.
        const y = luma601(r, g, b);
        const shift = toeFade(y, lift, ceil) - y;
        r += shift;
        g += shift;
        b += shift;
      } else {
        r = lift + r * (ceil - lift);
        g = lift + g * (ceil - lift);
        b = lift + b * (ceil - lift);
      }
    }
    dst[i] = clamp01(r);
    dst[i + 1] = clamp01(g);
    dst[i + 2] = clamp01(b);
  }
  return out;
}

/** Below TOE the lift fades out quadratically; above 1 - SHOULDER the ceiling fades in. */
const TOE = 0.25;
const SHOULDER = 0.2;

function toeFade(v: number, lift: number, ceil: number): number {
  if (v < TOE) {
    const t = 1 - v / TOE;
    return v + lift * t * t;
  }
  if (v > 1 - SHOULDER) {
    const t = (v - 1 + SHOULDER) / SHOULDER;
    return v - (1 - ceil) * t * t;
  }
  return v;
}

/**
 * How skin-like a pixel's hue is, 0..1: the angle of (Cr, -Cb) (BT.601 chroma) of facial skin
 * on the 60 faces-dev portraits, every tone, runs 38-68° (1st to 99th percentile, median 53);
 * the weight is 1 over 35-70° and ramps over 15° either side. Near-grey pixels get 0.
 */
export function skinHueWeight(r: number, g: number, b: number, y = luma601(r, g, b)): number {
  const cb = 0.564 * (b - y);
  const cr = 0.713 * (r - y);
  if (cr * cr + cb * cb < 1e-5) return 0;
  const angle = (Math.atan2(cr, -cb) * 180) / Math.PI;
  const lo = (angle - 20) / 15;
  const hi = (85 - angle) / 15;
  const w = Math.min(lo, hi, 1);
  return w <= 0 ? 0 : w * w * (3 - 2 * w);
}

const TABLE = 4096;

/** Exposure and white balance on linear light, contrast, the rgb curve and each channel's curve. */
function channelTables(o: ToneOptions): Float32Array[] {
  const gain = Math.pow(2, o.exposure);
  // White balance as channel gains on linear light; 0.25 at the ends is about +-1500 K at 5500 K.
  const wb = [
    gain * (1 + 0.25 * o.temperature),
    gain * (1 - 0.25 * o.tint),
    gain * (1 - 0.25 * o.temperature),
  ];
  const contrast = 1 + o.contrast;
  const rgbCurve = o.curves.rgb ? curveTable(o.curves.rgb) : undefined;
  const curves = [o.curves.r, o.curves.g, o.curves.b].map((c) => (c ? curveTable(c) : undefined));
  return [0, 1, 2].map((c) => {
    const t = new Float32Array(TABLE + 2);
    for (let k = 0; k <= TABLE + 1; k++) {
      let v = Math.min(k, TABLE) / TABLE;
      if (wb[c] !== 1) v = linearToSrgb(srgbToLinear(v) * wb[c]!);
      if (contrast !== 1) v = 0.5 + (v - 0.5) * contrast;
      if (rgbCurve) v = applyTable(rgbCurve, v);
      if (curves[c]) v = applyTable(curves[c], v);
      t[k] = v;
    }
    return t;
  });
}

function lookup(t: Float32Array, v: number): number {
  const x = (v <= 0 ? 0 : v >= 1 ? 1 : v) * TABLE;
  const i = x | 0;
  return t[i]! + (t[i + 1]! - t[i]!) * (x - i);
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
