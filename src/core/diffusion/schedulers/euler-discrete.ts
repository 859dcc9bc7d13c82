import { z } from 'zod';
import { trainSchedule, type TrainSchedule } from './betas.js';
import {
  betaShape,
  checkTrainedBetas,
  choice,
  parseSchedulerConfig,
  predictionTypeField,
  spacingField,
  stepsOffsetField,
  unsupportedFlag,
  withDefault,
} from './config.js';
import { addSigmaNoise, checkIndex, checkSameLength, output, scaleBySigma } from './latent-ops.js';
import { interpOnIndexGrid } from './numpy-compat.js';
import type { PlanOptions, Scheduler, SchedulerRun } from './scheduler.js';
import {
  checkSteps,
  eulerSpacing,
  img2imgStart,
  karrasSigmas,
  sigmaToTimestep,
} from './timesteps.js';

/**
 * Euler sampler, Algorithm 2 of Karras et al. 2022 "Elucidating the Design Space of
 * Diffusion-Based Generative Models" (https://arxiv.org/abs/2206.00364), as diffusers'
 * EulerDiscreteScheduler runs it with s_churn = 0 (no noise added while stepping):
 *
 *   x0 = prediction(model_output, x, sigma_i);  d = (x - x0) / sigma_i
 *   x <- x + d * (sigma_{i+1} - sigma_i)
 *
 * SD-Turbo ships this scheduler with timestep_spacing "trailing".
 */

const CLASS = 'EulerDiscreteScheduler';

export const EulerDiscreteConfigSchema = z
  .looseObject({
    ...betaShape({ beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' }, CLASS),
    prediction_type: predictionTypeField(),
    interpolation_type: withDefault(choice(['linear']), 'linear'),
    use_karras_sigmas: withDefault(z.boolean(), false),
    use_exponential_sigmas: unsupportedFlag('use_exponential_sigmas', CLASS),
    use_beta_sigmas: unsupportedFlag('use_beta_sigmas', CLASS),
    /** Karras range; null = the range of the interpolated schedule. */
    sigma_min: withDefault(z.number().positive().nullable(), null),
    sigma_max: withDefault(z.number().positive().nullable(), null),
    timestep_spacing: spacingField('linspace'),
    timestep_type: withDefault(choice(['discrete', 'continuous']), 'discrete'),
    steps_offset: stepsOffsetField(),
    final_sigmas_type: withDefault(choice(['zero', 'sigma_min']), 'zero'),
  })
  .superRefine(checkTrainedBetas);
export type EulerDiscreteConfig = z.output<typeof EulerDiscreteConfigSchema>;

/** The full schedule for `steps`, before img2img strength: set_timesteps. */
export interface SigmaSchedule {
  timesteps: number[];
  /** One per timestep plus the final sigma. */
  sigmas: number[];
  initNoiseSigma: number;
}

export class EulerDiscreteScheduler implements Scheduler {
  readonly name = 'euler';
  readonly className = CLASS;
  readonly config: Readonly<EulerDiscreteConfig>;
  private readonly train: TrainSchedule;

  constructor(config?: unknown) {
    this.config = Object.freeze(parseSchedulerConfig(EulerDiscreteConfigSchema, config, CLASS));
    this.train = trainSchedule(this.config);
  }

  /** EulerDiscreteScheduler.set_timesteps(steps). */
  schedule(steps: number): SigmaSchedule {
    const c = this.config;
    checkSteps(steps, c.num_train_timesteps);
    let timesteps = eulerSpacing(c.timestep_spacing, c.num_train_timesteps, steps, c.steps_offset);
    let sigmas = timesteps.map((t) => interpOnIndexGrid(t, this.train.sigmas));
    if (c.use_karras_sigmas) {
      const low = c.sigma_min ?? (sigmas[sigmas.length - 1] as number);
      const high = c.sigma_max ?? (sigmas[0] as number);
      sigmas = karrasSigmas(low, high, steps);
      timesteps = sigmas.map((s) => sigmaToTimestep(s, this.train.logSigmas));
    }
    const last = c.final_sigmas_type === 'sigma_min' ? (this.train.sigmas[0] as number) : 0;
    const sigmas32 = [...sigmas, last].map(Math.fround);
    timesteps =
      c.timestep_type === 'continuous' && c.prediction_type === 'v_prediction'
        ? sigmas32.slice(0, -1).map((s) => Math.fround(0.25 * Math.log(s)))
        : timesteps.map(Math.fround);
    return {
      timesteps,
      sigmas: sigmas32,
      initNoiseSigma: initNoiseSigma(sigmas32, c.timestep_spacing),
    };
  }

  plan(steps: number, options: PlanOptions = {}): SchedulerRun {
    const full = this.schedule(steps);
    const start = img2imgStart(steps, options.strength ?? 1);
    return new EulerRun(
      full.timesteps.slice(start),
      full.sigmas.slice(start),
      full.initNoiseSigma,
      this.config.prediction_type,
    );
  }
}

/** init_noise_sigma: max sigma, or sqrt(max^2 + 1) for leading spacing (diffusers' convention). */
export function initNoiseSigma(sigmas: readonly number[], spacing: string): number {
  const max = Math.max(...sigmas);
  return spacing === 'linspace' || spacing === 'trailing' ? max : Math.sqrt(max * max + 1);
}

class EulerRun implements SchedulerRun {
  constructor(
    readonly timesteps: readonly number[],
    readonly sigmas: readonly number[],
    readonly initNoiseSigma: number,
    private readonly predictionType: EulerDiscreteConfig['prediction_type'],
  ) {}

  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    return scaleBySigma(this.sigmas[stepIndex] as number, sample, output(sample.length, out));
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
    const sigma = this.sigmas[stepIndex] as number;
    const dt = (this.sigmas[stepIndex + 1] as number) - sigma;
    if (this.predictionType === 'epsilon') {
      for (let i = 0; i < sample.length; i++) {
        const x = sample[i] as number;
        const x0 = x - sigma * (modelOutput[i] as number);
        target[i] = x + ((x - x0) / sigma) * dt;
      }
    } else if (this.predictionType === 'v_prediction') {
      // x0 = model_output * c_out + x * c_skip with c_out = -sigma / sqrt(sigma^2 + 1)
      const cOut = -sigma / Math.sqrt(sigma * sigma + 1);
      const cSkip = 1 / (sigma * sigma + 1);
      for (let i = 0; i < sample.length; i++) {
        const x = sample[i] as number;
        const x0 = (modelOutput[i] as number) * cOut + x * cSkip;
        target[i] = x + ((x - x0) / sigma) * dt;
      }
    } else {
      for (let i = 0; i < sample.length; i++) {
        const x = sample[i] as number;
        target[i] = x + ((x - (modelOutput[i] as number)) / sigma) * dt;
      }
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
    return addSigmaNoise(
      this.sigmas[stepIndex] as number,
      original,
      noise,
      output(original.length, out),
    );
  }
}
