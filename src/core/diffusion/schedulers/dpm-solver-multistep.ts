import { z } from 'zod';
import { FilterlabError } from '../../errors.js';
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
import type { SigmaSchedule } from './euler-discrete.js';
import { checkIndex, checkSameLength, output, unscaledInput } from './latent-ops.js';
import { interpOnIndexGrid, roundHalfEven, searchSortedLeft } from './numpy-compat.js';
import type { PlanOptions, Scheduler, SchedulerRun } from './scheduler.js';
import {
  checkSteps,
  checkTimesteps,
  dpmSpacing,
  img2imgStart,
  karrasSigmas,
  sigmaToTimestep,
} from './timesteps.js';

/**
 * DPM-Solver++ multistep, order 2 ("DPM++ 2M"; Lu et al. 2022, https://arxiv.org/abs/2211.01095),
 * as diffusers' DPMSolverMultistepScheduler with algorithm_type "dpmsolver++". It integrates the
 * data prediction x0 in lambda = log(alpha / sigma):
 *
 *   first order (DDIM):   x_t = (sigma_t / sigma_s0) x - alpha_t (e^-h - 1) D0
 *   second order:         ... - 0.5 alpha_t (e^-h - 1) D1            (midpoint)
 *                         ... + alpha_t ((e^-h - 1) / h + 1) D1       (heun)
 *   h = lambda_t - lambda_s0, r0 = (lambda_s0 - lambda_s1) / h, D0 = x0_i, D1 = (x0_i - x0_{i-1}) / r0
 *
 * The first step of a run is first order (there is no previous x0), and so is the last one when
 * final_sigmas_type is "zero", euler_at_final is set, or lower_order_final with < 15 steps.
 * With use_karras_sigmas the noise levels follow Karras et al. 2022 over the whole training range
 * and the timesteps are those levels mapped back to (rounded) training timesteps.
 */

const CLASS = 'DPMSolverMultistepScheduler';

export const DpmSolverMultistepConfigSchema = z
  .looseObject({
    ...betaShape({ beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' }, CLASS),
    solver_order: withDefault(
      z.union([z.literal(1), z.literal(2)], { error: (i) => order(i.input) }),
      2,
    ),
    prediction_type: predictionTypeField(),
    thresholding: unsupportedFlag('thresholding', CLASS),
    algorithm_type: withDefault(choice(['dpmsolver++']), 'dpmsolver++'),
    // diffusers maps the solver types of DEIS / UniPC configs to midpoint.
    solver_type: withDefault(
      choice(['midpoint', 'heun', 'logrho', 'bh1', 'bh2']),
      'midpoint',
    ).transform((t) => (t === 'heun' ? 'heun' : 'midpoint')),
    lower_order_final: withDefault(z.boolean(), true),
    euler_at_final: withDefault(z.boolean(), false),
    use_karras_sigmas: withDefault(z.boolean(), false),
    use_lu_lambdas: unsupportedFlag('use_lu_lambdas', CLASS),
    use_exponential_sigmas: unsupportedFlag('use_exponential_sigmas', CLASS),
    use_beta_sigmas: unsupportedFlag('use_beta_sigmas', CLASS),
    use_flow_sigmas: unsupportedFlag('use_flow_sigmas', CLASS),
    final_sigmas_type: withDefault(choice(['zero', 'sigma_min']), 'zero'),
    // -inf (the default, and what Python writes as -Infinity) is a valid value here.
    lambda_min_clipped: withDefault(
      z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
        error: 'Expected a number or -Infinity',
      }),
      Number.NEGATIVE_INFINITY,
    ),
    variance_type: z
      .null({
        error: (i) =>
          `variance_type ${JSON.stringify(i.input)} (a learned-variance model) is not supported`,
      })
      .optional(),
    timestep_spacing: spacingField('linspace'),
    steps_offset: stepsOffsetField(),
  })
  .superRefine(checkTrainedBetas);
export type DpmSolverMultistepConfig = z.output<typeof DpmSolverMultistepConfigSchema>;

function order(input: unknown): string {
  return `Expected solver_order 1 or 2 (filterlab implements DPM-Solver++ 1S and 2M) but received ${JSON.stringify(input)}`;
}

export class DpmSolverMultistepScheduler implements Scheduler {
  readonly name = 'dpm++2m';
  readonly className = CLASS;
  readonly config: Readonly<DpmSolverMultistepConfig>;
  private readonly train: TrainSchedule;

  // Copied from ./euler-discrete.ts:EulerDiscreteScheduler.constructor with EulerDiscreteConfigSchema->DpmSolverMultistepConfigSchema
  constructor(config?: unknown) {
    this.config = Object.freeze(
      parseSchedulerConfig(DpmSolverMultistepConfigSchema, config, CLASS),
    );
    this.train = trainSchedule(this.config);
  }

  /** DPMSolverMultistepScheduler.set_timesteps(steps). */
  schedule(steps: number): SigmaSchedule {
    const c = this.config;
    checkSteps(steps, c.num_train_timesteps);
    const last =
      c.num_train_timesteps - searchSortedLeft(this.lambdasAscending(), c.lambda_min_clipped);
    let timesteps = dpmSpacing(
      c.timestep_spacing,
      c.num_train_timesteps,
      last,
      steps,
      c.steps_offset,
    );
    let sigmas: number[];
    if (c.use_karras_sigmas) {
      const trainSigmas = this.train.sigmas;
      sigmas = karrasSigmas(
        trainSigmas[0] as number,
        trainSigmas[trainSigmas.length - 1] as number,
        steps,
      );
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToTimestep(s, this.train.logSigmas)));
    } else {
      sigmas = timesteps.map((t) => interpOnIndexGrid(t, this.train.sigmas));
    }
    checkTimesteps(timesteps, c.num_train_timesteps);
    const final = c.final_sigmas_type === 'sigma_min' ? (this.train.sigmas[0] as number) : 0;
    return { timesteps, sigmas: [...sigmas, final].map(Math.fround), initNoiseSigma: 1 };
  }

  plan(steps: number, options: PlanOptions = {}): SchedulerRun {
    const full = this.schedule(steps);
    const start = img2imgStart(steps, options.strength ?? 1);
    const c = this.config;
    const n = full.timesteps.length;
    const lowerOrderFinal =
      c.euler_at_final || (c.lower_order_final && n < 15) || c.final_sigmas_type === 'zero';
    return new DpmRun(full, start, {
      order: c.solver_order,
      heun: c.solver_type === 'heun',
      predictionType: c.prediction_type,
      lowerOrderFinal,
    });
  }

  /** flip(lambda_t) with lambda_t = log(alpha_t) - log(sigma_t), float32 as in diffusers. */
  private lambdasAscending(): Float32Array {
    const acp = this.train.alphasCumprod;
    const out = new Float32Array(acp.length);
    for (let i = 0; i < acp.length; i++) {
      const a = acp[acp.length - 1 - i] as number;
      const logAlpha = Math.fround(Math.log(Math.fround(Math.sqrt(a))));
      const logSigma = Math.fround(Math.log(Math.fround(Math.sqrt(Math.fround(1 - a)))));
      out[i] = logAlpha - logSigma;
    }
    return out;
  }
}

interface DpmSettings {
  order: 1 | 2;
  heun: boolean;
  predictionType: DpmSolverMultistepConfig['prediction_type'];
  /** Whether the last step of the full schedule falls back to first order. */
  lowerOrderFinal: boolean;
}

/** alpha_t, sigma_t and lambda of a VP noise level sigma (= sqrt((1 - alpha_bar) / alpha_bar)). */
function vp(sigma: number): { alpha: number; sigma: number; lambda: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const s = sigma * alpha;
  return { alpha, sigma: s, lambda: Math.log(alpha) - Math.log(s) };
}

class DpmRun implements SchedulerRun {
  readonly timesteps: readonly number[];
  readonly sigmas: readonly number[];
  readonly initNoiseSigma = 1;
  /** x0 of the current and the previous step; swapped, never reallocated. */
  private x0: Float32Array | undefined;
  private previousX0: Float32Array | undefined;
  private lowerOrderNums = 0;
  private nextStep = 0;

  constructor(
    private readonly full: { timesteps: number[]; sigmas: number[] },
    /** Index in the full schedule of this run's first step (img2img). */
    private readonly begin: number,
    private readonly settings: DpmSettings,
  ) {
    this.timesteps = full.timesteps.slice(begin);
    this.sigmas = full.sigmas.slice(begin);
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
    if (stepIndex !== this.nextStep) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected step ${this.nextStep} next but received ${stepIndex}: DPM-Solver++ is multistep and must be stepped in order, once per step`,
        { details: { name: 'stepIndex' } },
      );
    }
    const i = this.begin + stepIndex;
    const s0 = vp(this.full.sigmas[i] as number);
    const x0 = this.convertModelOutput(modelOutput, sample, s0);
    const t = vp(this.full.sigmas[i + 1] as number);
    const finalStep = i === this.full.timesteps.length - 1 && this.settings.lowerOrderFinal;
    const target = output(sample.length, out);
    if (this.settings.order === 1 || this.lowerOrderNums < 1 || finalStep) {
      firstOrder(sample, x0, s0, t, target);
    } else {
      const s1 = vp(this.full.sigmas[i - 1] as number);
      this.secondOrder(sample, x0, this.previousX0 as Float32Array, s0, s1, t, target);
    }
    this.lowerOrderNums = Math.min(this.lowerOrderNums + 1, this.settings.order);
    this.nextStep++;
    return target;
  }

  /** DPM-Solver++ works on the data prediction x0: convert_model_output. */
  private convertModelOutput(
    m: Float32Array,
    x: Float32Array,
    s: { alpha: number; sigma: number },
  ): Float32Array {
    const recycled =
      this.previousX0?.length === x.length ? this.previousX0 : new Float32Array(x.length);
    this.previousX0 = this.x0;
    this.x0 = recycled;
    const type = this.settings.predictionType;
    for (let j = 0; j < x.length; j++) {
      const xj = x[j] as number;
      const mj = m[j] as number;
      recycled[j] =
        type === 'epsilon'
          ? (xj - s.sigma * mj) / s.alpha
          : type === 'v_prediction'
            ? s.alpha * xj - s.sigma * mj
            : mj;
    }
    return recycled;
  }

  private secondOrder(
    x: Float32Array,
    m0: Float32Array,
    m1: Float32Array,
    s0: { sigma: number; lambda: number },
    s1: { lambda: number },
    t: { alpha: number; sigma: number; lambda: number },
    out: Float32Array,
  ): void {
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const ratio = t.sigma / s0.sigma;
    const c0 = -t.alpha * (Math.exp(-h) - 1);
    const c1 = this.settings.heun ? t.alpha * ((Math.exp(-h) - 1) / h + 1) : 0.5 * c0;
    const inverseR0 = 1 / r0;
    for (let j = 0; j < x.length; j++) {
      const d0 = m0[j] as number;
      const d1 = inverseR0 * (d0 - (m1[j] as number));
      out[j] = ratio * (x[j] as number) + c0 * d0 + c1 * d1;
    }
  }

  addNoise(
    original: Float32Array,
    noise: Float32Array,
    stepIndex = 0,
    out?: Float32Array,
  ): Float32Array {
    checkIndex(stepIndex, this.timesteps.length);
    checkSameLength('noise', noise, original);
    const s = vp(this.sigmas[stepIndex] as number);
    const target = output(original.length, out);
    for (let j = 0; j < original.length; j++) {
      target[j] = s.alpha * (original[j] as number) + s.sigma * (noise[j] as number);
    }
    return target;
  }
}

/** dpm_solver_first_order_update for dpmsolver++ (DDIM in lambda); sigma_t = 0 gives x0 itself. */
function firstOrder(
  x: Float32Array,
  x0: Float32Array,
  s0: { sigma: number; lambda: number },
  t: { alpha: number; sigma: number; lambda: number },
  out: Float32Array,
): void {
  const h = t.lambda - s0.lambda;
  const ratio = t.sigma / s0.sigma;
  const c0 = -t.alpha * (Math.exp(-h) - 1);
  for (let j = 0; j < x.length; j++) out[j] = ratio * (x[j] as number) + c0 * (x0[j] as number);
}
