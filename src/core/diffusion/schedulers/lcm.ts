import { z } from 'zod';
import { FilterlabError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import { trainSchedule } from './betas.js';
import {
  betaShape,
  checkTrainedBetas,
  parseSchedulerConfig,
  predictionTypeField,
  stepsOffsetField,
  unsupportedFlag,
  withDefault,
} from './config.js';
import { addTimestepNoise, predictionCoefficients } from './ddim.js';
import { checkIndex, checkSameLength, output, StepNoise, unscaledInput } from './latent-ops.js';
import { linspace } from './numpy-compat.js';
import type { PlanOptions, Scheduler, SchedulerRun } from './scheduler.js';
import { checkStrength } from './timesteps.js';

/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023, https://arxiv.org/abs/2310.04378,
 * Algorithm 3), as diffusers' LCMScheduler.
 *
 * Timesteps: the distillation schedule is every k-th training step, k = T // original_inference_steps
 * (timesteps k-1, 2k-1, ...); `strength` keeps its first int(original_steps * strength) entries (this
 * is where LCM does img2img, inside set_timesteps, not in the pipeline), and `steps` of them are
 * picked at floor(linspace(0, len, steps, endpoint=False)) from the top. LCM ignores
 * timestep_spacing and steps_offset.
 *
 * Step: denoised = c_out * x0 + c_skip * x, with the consistency-model boundary scalings at
 * t * timestep_scaling and sigma_data = 0.5; before the last step fresh noise brings it back to the
 * next timestep's level: x_prev = sqrt(alpha_next) * denoised + sqrt(1 - alpha_next) * z.
 */

const CLASS = 'LCMScheduler';
const SIGMA_DATA = 0.5;

export const LcmConfigSchema = z
  .looseObject({
    ...betaShape({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' }, CLASS),
    original_inference_steps: withDefault(z.number().int().positive(), 50),
    clip_sample: withDefault(z.boolean(), false),
    clip_sample_range: withDefault(z.number().positive(), 1),
    set_alpha_to_one: withDefault(z.boolean(), true),
    steps_offset: stepsOffsetField(),
    prediction_type: predictionTypeField(),
    thresholding: unsupportedFlag('thresholding', CLASS),
    timestep_scaling: withDefault(z.number().positive(), 10),
  })
  .superRefine(checkTrainedBetas);
export type LcmConfig = z.output<typeof LcmConfigSchema>;

export class LcmScheduler implements Scheduler {
  readonly name = 'lcm';
  readonly className = CLASS;
  readonly config: Readonly<LcmConfig>;
  private readonly alphasCumprod: Float32Array;

  // Copied from ./ddim.ts:DdimScheduler.constructor with DdimConfigSchema->LcmConfigSchema
  constructor(config?: unknown) {
    this.config = Object.freeze(parseSchedulerConfig(LcmConfigSchema, config, CLASS));
    this.alphasCumprod = trainSchedule(this.config).alphasCumprod;
  }

  /** LCMScheduler.set_timesteps(steps, strength=strength). */
  schedule(steps: number, strength = 1): number[] {
    checkStrength(strength);
    const T = this.config.num_train_timesteps;
    const original = this.config.original_inference_steps;
    if (original > T) {
      throw configError(
        `original_inference_steps (${original}) must not exceed num_train_timesteps (${T})`,
      );
    }
    if (!Number.isInteger(steps) || steps < 1 || steps > original) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected an integer number of steps in [1, ${original}] (original_inference_steps) but received ${steps}`,
        { details: { name: 'steps' } },
      );
    }
    const k = Math.floor(T / original);
    const kept = Math.trunc(original * strength);
    if (Math.floor(kept / steps) < 1) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected steps <= int(original_inference_steps * strength) but received ${steps} steps with ` +
          `strength ${strength}: LCM picks its steps from the first ${kept} of ${original} distillation ` +
          `timesteps, so use at most ${kept} steps or a strength of at least ${steps / original}`,
        { details: { name: 'steps', steps, strength, originalInferenceSteps: original } },
      );
    }
    // range(1, kept + 1) * k - 1, reversed: kept entries, the largest first.
    const origin = Array.from({ length: kept }, (_, i) => (kept - i) * k - 1);
    return linspace(0, kept, steps, false).map((index) => origin[Math.floor(index)] as number);
  }

  plan(steps: number, options: PlanOptions = {}): SchedulerRun {
    const c = this.config;
    return new LcmRun(this.schedule(steps, options.strength ?? 1), {
      alphasCumprod: this.alphasCumprod,
      finalAlphaCumprod: c.set_alpha_to_one ? 1 : (this.alphasCumprod[0] as number),
      clipRange: c.clip_sample ? c.clip_sample_range : Number.POSITIVE_INFINITY,
      predictionType: c.prediction_type,
      timestepScaling: c.timestep_scaling,
      rng: options.rng,
    });
  }
}

function configError(message: string): FilterlabError {
  return new FilterlabError('FL_ERR_CONFIG', `Invalid scheduler config for ${CLASS}: ${message}`);
}

interface LcmConstants {
  alphasCumprod: Float32Array;
  finalAlphaCumprod: number;
  clipRange: number;
  predictionType: LcmConfig['prediction_type'];
  timestepScaling: number;
  rng: Rng | undefined;
}

class LcmRun implements SchedulerRun {
  readonly initNoiseSigma = 1;
  private readonly noise: StepNoise;

  constructor(
    readonly timesteps: readonly number[],
    private readonly k: LcmConstants,
  ) {
    this.noise = new StepNoise(
      k.rng,
      'lcm with more than one step, which injects fresh noise between steps',
    );
  }

  // Copied from ./ddim.ts:DdimRun.scaleModelInput
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
    const last = stepIndex === this.timesteps.length - 1;
    const noise = last ? undefined : this.noise.draw(sample.length);
    const target = output(sample.length, out);
    const t = this.timesteps[stepIndex] as number;
    // diffusers takes the next timestep, or t itself on the last step (where it adds no noise).
    const next = last ? t : (this.timesteps[stepIndex + 1] as number);
    const alphaT = this.k.alphasCumprod[t] as number;
    const alphaNext = next >= 0 ? (this.k.alphasCumprod[next] as number) : this.k.finalAlphaCumprod;
    const scaled = t * this.k.timestepScaling;
    const cSkip = SIGMA_DATA ** 2 / (scaled * scaled + SIGMA_DATA ** 2);
    const cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA ** 2);
    const [a, b] = predictionCoefficients(this.k.predictionType, alphaT);
    const sqrtAlphaNext = Math.sqrt(alphaNext);
    const sqrtBetaNext = Math.sqrt(1 - alphaNext);
    const range = this.k.clipRange;
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      let x0 = a * x + b * (modelOutput[i] as number);
      if (x0 > range) x0 = range;
      else if (x0 < -range) x0 = -range;
      const denoised = cOut * x0 + cSkip * x;
      target[i] = noise ? sqrtAlphaNext * denoised + sqrtBetaNext * (noise[i] as number) : denoised;
    }
    return target;
  }

  addNoise(
    original: Float32Array,
    noise: Float32Array,
    stepIndex = 0,
    out?: Float32Array,
  ): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    checkSameLength('noise', noise, original);
    const alpha = this.k.alphasCumprod[this.timesteps[stepIndex] as number] as number;
    return addTimestepNoise(alpha, original, noise, output(original.length, out));
  }
}
