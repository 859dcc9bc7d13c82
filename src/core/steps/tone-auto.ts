/**
 * Face-aware automatic exposure and white balance. With a face, both are measured on facial
 * skin (the skin mask of every face): its mean lightness and its colour cast. Without one,
 * on the whole image (log-average luminance, grey world). Either way the correction only
 * brings a measure that is outside a band of plausible values back to the band's edge, and is
 * capped: skin of every tone inside the band (L* 28-80 covers the darkest and the lightest
 * well-lit faces of faces-dev) is left as it is, so the filter does not "normalise" anyone's
 * skin towards one reference.
 */
import { z } from 'zod';
import { skinMask } from '../faces/skin-mask.js';
import { createImage, type Image, type Mask } from '../image/image.js';
import { fastLinearToSrgb, fastSrgbToLinear } from '../image/srgb.js';
import { facesFor, optionalFaces, prepareFaceModels } from './face-step-support.js';
import { defineStep } from './step.js';

const Band = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo <= hi, 'must be [low, high] with low <= high');

export const ToneAutoOptionsSchema = z.strictObject({
  /** Fraction of the measured correction applied (in stops and in gain ratios). */
  strength: z.number().min(0).max(1).default(1),
  /** Measure on the faces' skin when there are faces (else always on the whole image). */
  useFaces: z.boolean().default(true),
  /** Faces value to use; without one the step detects faces itself (none is fine). */
  faces: z.string().min(1).default('faces'),
  /** CIE L* of mean facial skin left alone; outside it, exposure moves it to the nearer edge. */
  faceLightness: Band.default([28, 80]),
  /**
   * Linear R/G and B/G of mean facial skin left alone (the range of the 60 faces-dev
   * portraits, studio-lit, every skin tone: 1.56-3.04 and 0.37-0.85, plus a margin); outside
   * it, white balance moves it to the edge.
   */
  skinRedGreen: Band.default([1.5, 3.1]),
  skinBlueGreen: Band.default([0.35, 0.87]),
  /** Log-average luminance (linear) left alone when measuring the whole image. */
  imageLuminance: Band.default([0.04, 0.45]),
  /** Whole-image R/G and B/G left alone (grey world allows some cast: sunsets, interiors). */
  imageCast: Band.default([0.7, 1.4]),
  /** Largest brightening and darkening, in stops. */
  maxBrighten: z.number().min(0).max(5).default(2.5),
  maxDarken: z.number().min(0).max(5).default(1),
  /** Largest white-balance gain of red or blue relative to green, as a ratio (1.25 = +-25%). */
  maxCast: z.number().min(1).max(2).default(1.25),
  /**
   * The same without a face. Smaller: grey world mistakes a scene's own colour (an orange
   * cat, a sunset) for a cast far more often than skin misleads.
   */
  imageMaxCast: z.number().min(1).max(2).default(1.1),
});
export type ToneAutoOptions = z.infer<typeof ToneAutoOptionsSchema>;

export interface ToneMeasure {
  basis: 'face' | 'image';
  /** Mean linear RGB of the measured region. */
  rgb: [number, number, number];
  /** Luminance used for exposure: mean skin Y (face) or log-average Y (image). */
  luminance: number;
}

export interface ToneCorrection {
  /** Exposure as the slope at black of the highlight-keeping curve g x / (1 + (g - 1) x). */
  gain: number;
  /** White-balance gains on linear R, G, B (luminance-neutral on the measured colour). */
  wb: [number, number, number];
}

const Y = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** Mean linear colour (weighted by `weights` when given) and the exposure luminance. */
export function measureTone(image: Image, weights?: Mask): ToneMeasure {
  const { data } = image;
  const n = image.width * image.height;
  let w = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  let logSum = 0;
  for (let i = 0; i < n; i++) {
    const a = weights ? weights.data[i]! : 1;
    if (a <= 0) continue;
    const R = fastSrgbToLinear(data[i * 3]!);
    const G = fastSrgbToLinear(data[i * 3 + 1]!);
    const B = fastSrgbToLinear(data[i * 3 + 2]!);
    w += a;
    r += a * R;
    g += a * G;
    b += a * B;
    logSum += a * Math.log(Y(R, G, B) + 1e-4);
  }
  if (w === 0) return { basis: 'image', rgb: [0, 0, 0], luminance: 0 };
  const rgb: [number, number, number] = [r / w, g / w, b / w];
  return weights
    ? { basis: 'face', rgb, luminance: Y(...rgb) }
    : { basis: 'image', rgb, luminance: Math.exp(logSum / w) };
}

/** The capped correction that brings the measures back inside their bands. */
export function toneCorrection(m: ToneMeasure, o: ToneAutoOptions): ToneCorrection {
  const face = m.basis === 'face';
  const [lo, hi] = face ? o.faceLightness.map(lightnessToY) : o.imageLuminance;
  const x = Math.min(0.999, Math.max(1e-4, m.luminance));
  const target = Math.min(Math.max(x, lo!), hi!);
  // Solve g x / (1 + (g - 1) x) = target for g, then cap it and scale it in stops.
  const exact = (target * (1 - x)) / (x * (1 - target));
  const stops = Math.min(o.maxBrighten, Math.max(-o.maxDarken, Math.log2(exact))) * o.strength;
  return { gain: 2 ** stops, wb: whiteBalance(m, o) };
}

function whiteBalance(m: ToneMeasure, o: ToneAutoOptions): [number, number, number] {
  const [r, g, b] = m.rgb;
  if (!(g > 1e-4)) return [1, 1, 1];
  const rg = r / g;
  const bg = b / g;
  // Skin is never grey: a neutral "skin" means a black-and-white photo, which stays so.
  if (m.basis === 'face' && Math.abs(rg - 1) < 0.03 && Math.abs(bg - 1) < 0.03) return [1, 1, 1];
  const [rBand, bBand] =
    m.basis === 'face' ? [o.skinRedGreen, o.skinBlueGreen] : [o.imageCast, o.imageCast];
  const cap = m.basis === 'face' ? o.maxCast : o.imageMaxCast;
  const gainTo = (v: number, [lo, hi]: readonly [number, number]) => {
    const k = Math.min(Math.max(v, lo), hi) / v;
    const capped = Math.min(cap, Math.max(1 / cap, k));
    return capped ** o.strength;
  };
  const kr = gainTo(rg, rBand);
  const kb = gainTo(bg, bBand);
  // Keep the measured colour's luminance: exposure is the other half's job.
  const norm = Y(r, g, b) / Y(kr * r, g, kb * b);
  return [kr * norm, norm, kb * norm];
}

function lightnessToY(L: number): number {
  return L > 8 ? ((L + 16) / 116) ** 3 : L / 903.3;
}

/** Apply a correction on linear light; the curve keeps white at white however large the gain. */
export function applyToneCorrection(image: Image, c: ToneCorrection): Image {
  if (c.gain === 1 && c.wb.every((k) => k === 1)) return image;
  const out = createImage(image.width, image.height);
  const g = c.gain;
  const curve = (v: number) => (g === 1 ? v : (g * v) / (1 + (g - 1) * v));
  for (let i = 0; i < image.data.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const lin = Math.min(1, Math.max(0, fastSrgbToLinear(image.data[i + k]!) * c.wb[k]!));
      out.data[i + k] = fastLinearToSrgb(curve(lin));
    }
  }
  return out;
}

export const toneAutoStep = defineStep({
  type: 'tone.auto',
  summary:
    'Automatic exposure and white balance, measured on facial skin (whole image without a face)',
  options: ToneAutoOptionsSchema,
  produces: 'image',
  reads: (o) => [optionalFaces(o.faces)],
  async prepare(options, env) {
    const models = options.useFaces
      ? await prepareFaceModels(env, ['detector', 'mesh'])
      : undefined;
    return {
      async run(io) {
        const { input, options, run } = io;
        const faces =
          models && options.useFaces ? await facesFor(models, io, { required: false }) : [];
        const m =
          faces.length > 0 ? measureTone(input, skinMask(input, faces)) : measureTone(input);
        const correction = toneCorrection(m, options);
        run.logger.debug({ measure: m, correction }, 'tone.auto');
        return { kind: 'image', image: applyToneCorrection(input, correction) };
      },
    };
  },
});
