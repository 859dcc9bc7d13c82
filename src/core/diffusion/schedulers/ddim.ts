import { z } from 'zod';
import { trainSchedule } from './betas.js';
import {
  betaShape,
  checkTrainedBetas,
  parseSchedulerConfig,
  predictionTypeField,
  type PredictionType,
  spacingField,
  stepsOffsetField,
  unsupportedFlag,
  withDefault,
} from './config.js';
import { checkIndex, checkSameLength, output, unscaledInput } from './latent-ops.js';
import type { PlanOptions, Scheduler, SchedulerRun } from './scheduler.js';
import { checkSteps, checkTimesteps, ddimSpacing, img2imgStart } from './timesteps.js';

/**
 * Denoising Diffusion Implicit Models (Song et al. 2020, https://arxiv.org/abs/2010.02502),
 * deterministic (eta = 0), as diffusers' DDIMScheduler, formula (12):
 *
 *   x0 = prediction(model_output, x, alpha_t)      (clipped when clip_sample)
 *   x_prev = sqrt(alpha_prev) * x0 + sqrt(1 - alpha_prev) * eps
 *
 * where alpha is alphas_cumprod, and the previous timestep is t - num_train_timesteps // steps
 * whatever the spacing (diffusers' rule, kept even where trailing spacing makes it approximate).
 * SD 2.x ships this scheduler with v_prediction.
 */

const CLASS = 'DDIMScheduler';

export const DdimConfigSchema = z
  .looseObject({
    ...betaShape({ beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' }, CLASS),
    clip_sample: withDefault(z.boolean(), true),
    clip_sample_range: withDefault(z.number().positive(), 1),
    set_alpha_to_one: withDefault(z.boolean(), true),
    steps_offset: stepsOffsetField(),
    prediction_type: predictionTypeField(),
    thresholding: unsupportedFlag('thresholding', CLASS),
    timestep_spacing: spacingField('leading'),
  })
  .superRefine(checkTrainedBetas);
export type DdimConfig = z.output<typeof DdimConfigSchema>;

export class DdimScheduler implements Scheduler {
  readonly name = 'ddim';
  readonly className = CLASS;
  readonly config: Readonly<DdimConfig>;
  private readonly alphasCumprod: Float32Array;

  constructor(config?: unknown) {
    this.config = Object.freeze(parseSchedulerConfig(DdimConfigSchema, config, CLASS));
    this.alphasCumprod = trainSchedule(this.config).alphasCumprod;
  }

  /** DDIMScheduler.set_timesteps(steps). */
  schedule(steps: number): number[] {
    const c = this.config;
    checkSteps(steps, c.num_train_timesteps);
    const timesteps = ddimSpacing(c.timestep_spacing, c.num_train_timesteps, steps, c.steps_offset);
    checkTimesteps(timesteps, c.num_train_timesteps);
    return timesteps;
  }

  plan(steps: number, options: PlanOptions = {}): SchedulerRun {
    const timesteps = this.schedule(steps);
    const start = img2imgStart(steps, options.strength ?? 1);
    const c = this.config;
    return new DdimRun(timesteps.slice(start), {
      alphasCumprod: this.alphasCumprod,
      finalAlphaCumprod: c.set_alpha_to_one ? 1 : (this.alphasCumprod[0] as number),
      stride: Math.floor(c.num_train_timesteps / steps),
      clipRange: c.clip_sample ? c.clip_sample_range : Number.POSITIVE_INFINITY,
      predictionType: c.prediction_type,
    });
  }
}

interface DdimConstants {
  alphasCumprod: Float32Array;
  finalAlphaCumprod: number;
  /** num_train_timesteps // num_inference_steps */
  stride: number;
  clipRange: number;
  predictionType: DdimConfig['prediction_type'];
}

class DdimRun implements SchedulerRun {
  readonly initNoiseSigma = 1;

  constructor(
    readonly timesteps: readonly number[],
    private readonly k: DdimConstants,
  ) {}

  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    return unscaledInput(sample, out);
  }

  step(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out?: Float32Array,
  ): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    checkSameLength('modelOutput', modelOutput, sample);
    const target = output(sample.length, out);
    const t = this.timesteps[stepIndex] as number;
    const prevT = t - this.k.stride;
    const alphaT = this.alphaAt(t);
    const alphaPrev = prevT >= 0 ? this.alphaAt(prevT) : this.k.finalAlphaCumprod;
    // x0 = a*x + b*m and eps = c*x + d*m for every prediction type, so the loop does not branch
    const [a, b, c, d] = predictionCoefficients(this.k.predictionType, alphaT);
    const sqrtAlphaPrev = Math.sqrt(alphaPrev);
    const sqrtBetaPrev = Math.sqrt(1 - alphaPrev);
    const range = this.k.clipRange;
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const m = modelOutput[i] as number;
      let x0 = a * x + b * m;
      if (x0 > range) x0 = range;
      else if (x0 < -range) x0 = -range;
      target[i] = sqrtAlphaPrev * x0 + sqrtBetaPrev * (c * x + d * m);
    }
    return target;
  }

  /** DDPM forward process: sqrt(alpha_t) * x0 + sqrt(1 - alpha_t) * noise at this step's t. */
  addNoise(
    original: Float32Array,
    noise: Float32Array,
    stepIndex = 0,
    out?: Float32Array,
  ): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    checkSameLength('noise', noise, original);
    return addTimestepNoise(
      this.alphaAt(this.timesteps[stepIndex] as number),
      original,
      noise,
      output(original.length, out),
    );
  }

  private alphaAt(t: number): number {
    return this.k.alphasCumprod[t] as number;
  }
}

/**
 * [a, b, c, d] with x0 = a*x + b*m and eps = c*x + d*m, from the model output m at a timestep whose
 * alphas_cumprod is `alpha` (formula (12) of the DDIM paper and its v / sample variants):
 * epsilon: x0 = (x - sqrt(1-alpha) m) / sqrt(alpha); v: x0 = sqrt(alpha) x - sqrt(1-alpha) m,
 * eps = sqrt(alpha) m + sqrt(1-alpha) x; sample: x0 = m, eps = (x - sqrt(alpha) m) / sqrt(1-alpha).
 */
export function predictionCoefficients(
  type: PredictionType,
  alpha: number,
): [number, number, number, number] {
  const sa = Math.sqrt(alpha);
  const sb = Math.sqrt(1 - alpha);
  if (type === 'epsilon') return [1 / sa, -sb / sa, 0, 1];
  if (type === 'v_prediction') return [sa, -sb, sb, sa];
  return [0, 1, 1 / sb, -sa / sb];
}

/** DDPMScheduler.add_noise for one alphas_cumprod value (shared with LCM). */
export function addTimestepNoise(
  alphaCumprod: number,
  original: Float32Array,
  noise: Float32Array,
  out: Float32Array,
): Float32Array {
  const a = Math.sqrt(alphaCumprod);
  const b = Math.sqrt(1 - alphaCumprod);
  for (let i = 0; i < original.length; i++)
    out[i] = a * (original[i] as number) + b * (noise[i] as number);
  return out;
}
