import { z } from 'zod';
import type { Rng } from '../../rng.js';
import { trainSchedule, type TrainSchedule } from './betas.js';
import {
  betaShape,
  checkTrainedBetas,
  choice,
  parseSchedulerConfig,
  spacingField,
  stepsOffsetField,
  withDefault,
} from './config.js';
import { initNoiseSigma, type SigmaSchedule } from './euler-discrete.js';
import {
  addSigmaNoise,
  checkIndex,
  checkSameLength,
  output,
  scaleBySigma,
  StepNoise,
} from './latent-ops.js';
import { interpOnIndexGrid } from './numpy-compat.js';
import type { PlanOptions, Scheduler, SchedulerRun } from './scheduler.js';
import { checkSteps, eulerSpacing, img2imgStart } from './timesteps.js';

/**
 * Ancestral sampling with Euler steps (k-diffusion's sample_euler_ancestral, Karras et al. 2022),
 * as diffusers' EulerAncestralDiscreteScheduler: each step goes down to sigma_down with an Euler
 * step, then adds fresh noise of size sigma_up, where
 *
 *   sigma_up = sqrt(sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2)
 *   sigma_down = sqrt(sigma_to^2 - sigma_up^2)
 *
 * Every step draws one normal per element from the run's RNG (the last step too, with
 * sigma_up = 0, as diffusers does), so a seed reproduces a run exactly.
 */

const CLASS = 'EulerAncestralDiscreteScheduler';

export const EulerAncestralDiscreteConfigSchema = z
  .looseObject({
    ...betaShape({ beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' }, CLASS),
    // diffusers raises NotImplementedError for prediction_type "sample" here.
    prediction_type: withDefault(choice(['epsilon', 'v_prediction']), 'epsilon'),
    timestep_spacing: spacingField('linspace'),
    steps_offset: stepsOffsetField(),
  })
  .superRefine(checkTrainedBetas);
export type EulerAncestralDiscreteConfig = z.output<typeof EulerAncestralDiscreteConfigSchema>;

export class EulerAncestralDiscreteScheduler implements Scheduler {
  readonly name = 'euler-ancestral';
  readonly className = CLASS;
  readonly config: Readonly<EulerAncestralDiscreteConfig>;
  private readonly train: TrainSchedule;

  // Copied from ./euler-discrete.ts:EulerDiscreteScheduler.constructor with EulerDiscreteConfigSchema->EulerAncestralDiscreteConfigSchema
  constructor(config?: unknown) {
    this.config = Object.freeze(
      parseSchedulerConfig(EulerAncestralDiscreteConfigSchema, config, CLASS),
    );
    this.train = trainSchedule(this.config);
  }

  /** EulerAncestralDiscreteScheduler.set_timesteps(steps). */
  schedule(steps: number): SigmaSchedule {
    const c = this.config;
    checkSteps(steps, c.num_train_timesteps);
    const timesteps = eulerSpacing(
      c.timestep_spacing,
      c.num_train_timesteps,
      steps,
      c.steps_offset,
    ).map(Math.fround);
    const sigmas = [...timesteps.map((t) => interpOnIndexGrid(t, this.train.sigmas)), 0].map(
      Math.fround,
    );
    return { timesteps, sigmas, initNoiseSigma: initNoiseSigma(sigmas, c.timestep_spacing) };
  }

  plan(steps: number, options: PlanOptions = {}): SchedulerRun {
    const full = this.schedule(steps);
    const start = img2imgStart(steps, options.strength ?? 1);
    return new EulerAncestralRun(
      full.timesteps.slice(start),
      full.sigmas.slice(start),
      full.initNoiseSigma,
      this.config.prediction_type,
      options.rng,
    );
  }
}

class EulerAncestralRun implements SchedulerRun {
  private readonly noise: StepNoise;

  constructor(
    readonly timesteps: readonly number[],
    readonly sigmas: readonly number[],
    readonly initNoiseSigma: number,
    private readonly predictionType: EulerAncestralDiscreteConfig['prediction_type'],
    rng: Rng | undefined,
  ) {
    this.noise = new StepNoise(rng, 'euler-ancestral, which adds fresh noise at every step');
  }

  // Copied from ./euler-discrete.ts:EulerRun.scaleModelInput
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
    const noise = this.noise.draw(sample.length);
    const target = output(sample.length, out);
    const sigma = this.sigmas[stepIndex] as number;
    const sigmaTo = this.sigmas[stepIndex + 1] as number;
    const sigmaUp = Math.sqrt(
      (sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo)) / (sigma * sigma),
    );
    const dt = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp) - sigma;
    // x0 = cOut * model_output + cSkip * x, for both prediction types
    const cOut = this.predictionType === 'epsilon' ? -sigma : -sigma / Math.sqrt(sigma * sigma + 1);
    const cSkip = this.predictionType === 'epsilon' ? 1 : 1 / (sigma * sigma + 1);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const x0 = cOut * (modelOutput[i] as number) + cSkip * x;
      target[i] = x + ((x - x0) / sigma) * dt + (noise[i] as number) * sigmaUp;
    }
    return target;
  }

  // Copied from ./euler-discrete.ts:EulerRun.addNoise
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
