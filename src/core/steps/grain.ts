import { z } from 'zod';
import { detectFaces } from '../faces/face-analysis.js';
import type { FaceModels } from '../faces/face-models.js';
import { gaussianBlur } from '../image/blur.js';
import { createImage, type Image } from '../image/image.js';
import { createRng } from '../rng.js';
import { prepareFaceModels } from './face-step-support.js';
import { defineStep, stepSeed } from './step.js';

/** With `scale: face`, `size` is in pixels of a face this wide. */
export const GRAIN_FACE_WIDTH = 256;

export const GrainOptionsSchema = z.strictObject({
  /** Standard deviation of the grain in the midtones, 0..1 of full scale. */
  amount: z.number().min(0).max(0.5).default(0.04),
  /**
   * Grain size (blur of the noise field): in pixels of a 1024 px long side ('frame'), or of a
   * face GRAIN_FACE_WIDTH px wide ('face', the largest face; the frame when there is none).
   */
  size: z.number().min(0).max(8).default(1),
  /**
   * 'face': grain relative to the face, so a selfie and a small head-and-shoulders photo get
   * the same grain on the skin, not sand on the small one.
   */
  scale: z.enum(['frame', 'face']).default('frame'),
  /** Same grain in all channels (film-like luminance grain) or per channel. */
  monochrome: z.boolean().default(true),
});
export type GrainOptions = z.infer<typeof GrainOptionsSchema>;

/**
 * Seeded film grain, strongest in the midtones and fading in deep shadows and highlights.
 * `reference` (a face width) is the length `size` is relative to, instead of the 1024 px long
 * side; grain sized to a face and finer than a pixel is averaged by the pixel, as a scanner or
 * a downscale would: its amount drops in proportion, so a small face gets fine grain rather
 * than per-pixel sand.
 */
export function grain(image: Image, o: GrainOptions, seed: number, reference?: number): Image {
  const { width: w, height: h } = image;
  const channels = o.monochrome ? 1 : 3;
  const rng = createRng(seed);
  let noise: Float32Array = new Float32Array(w * h * channels);
  rng.fillNormal(noise);
  const unit = reference ? reference / GRAIN_FACE_WIDTH : Math.max(w, h) / 1024;
  const sigma = (o.size * unit) / 2;
  // Sized to a face, grain finer than a pixel is averaged by it (frame grain keeps its old meaning).
  const amount =
    reference && o.size > 0 ? o.amount * Math.min(1, sigma / SUBPIXEL_SIGMA) : o.amount;
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
      const s = v + amount * weight * g;
      out.data[p + c] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
  }
  return out;
}

/** A grain blur below this sigma is finer than the pixel grid shows. */
const SUBPIXEL_SIGMA = 0.5;

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
  async prepare(options, env) {
    const models =
      options.scale === 'face' ? await prepareFaceModels(env, ['detector']) : undefined;
    return {
      run: async ({ input, options, run }) => ({
        kind: 'image',
        image: grain(
          input,
          options,
          stepSeed(run),
          models && (await faceWidth(models, input, run)),
        ),
      }),
    };
  },
});

/** Width of the largest face's box, or undefined without a face. */
async function faceWidth(
  models: FaceModels,
  image: Image,
  run: { signal?: AbortSignal },
): Promise<number | undefined> {
  const faces = await detectFaces(models, image, {}, run);
  return faces.length ? Math.max(...faces.map((f) => f.box[2])) : undefined;
}
