import { z } from 'zod';
import { gaussianBlur } from '../image/blur.js';
import { createImage, type Image } from '../image/image.js';
import { createRng } from '../rng.js';
import { defineStep, stepSeed } from './step.js';

export const GrainOptionsSchema = z.strictObject({
  /** Standard deviation of the grain in the midtones, 0..1 of full scale. */
  amount: z.number().min(0).max(0.5).default(0.04),
  /** Grain size in pixels of a 1024 px long side (blur of the noise field). */
  size: z.number().min(0).max(8).default(1),
  /** Same grain in all channels (film-like luminance grain) or per channel. */
  monochrome: z.boolean().default(true),
});
export type GrainOptions = z.infer<typeof GrainOptionsSchema>;

/** Seeded film grain, strongest in the midtones and fading in deep shadows and highlights. */
export function grain(image: Image, o: GrainOptions, seed: number): Image {
  const { width: w, height: h } = image;
  const channels = o.monochrome ? 1 : 3;
  const rng = createRng(seed);
  let noise: Float32Array = new Float32Array(w * h * channels);
  rng.fillNormal(noise);
  const sigma = (o.size * Math.max(w, h)) / 1024 / 2;
  if (sigma >= 0.3) {
    noise = gaussianBlur(noise, channels, w, h, sigma);
    // blurring lowers the noise's spread; restore it so `amount` means the same at any size
    const gain = 1 / Math.sqrt(noiseVariance(noise));
    for (let i = 0; i < noise.length; i++) noise[i]! *= gain;
  }
  const out = createImage(w, h);
  for (let p = 0, n = 0; p < out.data.length; p += 3, n++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[p + c]!;
      const weight = 4 * v * (1 - v);
      const g = noise[o.monochrome ? n : p + c]!;
      const s = v + o.amount * weight * g;
      out.data[p + c] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
  }
  return out;
}

function noiseVariance(a: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.max(1e-8, sum / a.length);
}

export const grainStep = defineStep({
  type: 'grain',
  summary: 'Seeded film grain, midtone-weighted',
  options: GrainOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options, run }) => ({
      kind: 'image',
      image: grain(input, options, stepSeed(run)),
    }),
  }),
});
