import type { Rng } from '../../rng.js';

/**
 * The one contract every scheduler implements (see DESIGN.md, Diffusion).
 *
 * A `Scheduler` is immutable and shared: it holds a validated config and the training noise
 * schedule. `plan()` returns a `SchedulerRun` that one denoising run owns, with all per-run state
 * (the step counter of multistep solvers, their previous outputs, the RNG): two runs never share
 * state, so one scheduler serves concurrent requests.
 *
 * A pipeline uses it the way diffusers' pipelines use a scheduler:
 *
 *   const run = scheduler.plan(steps, { strength, rng });
 *   latents = img2img ? run.addNoise(imageLatents, noise, 0) : scale(noise, run.initNoiseSigma);
 *   for (let i = 0; i < run.timesteps.length; i++) {
 *     const input = run.scaleModelInput(latents, i);
 *     const output = unet(input, run.timesteps[i]);        // then classifier-free guidance
 *     latents = run.step(output, i, latents);
 *   }
 *
 * Arrays are flat Float32Array latents (batch x channels x height x width); every operation is
 * elementwise, so layout does not matter as long as all arrays share it. `out` may be passed to
 * write into an existing buffer (it may be the input itself); otherwise a new array is returned.
 */
export interface Scheduler {
  /** Registry name, e.g. 'euler'. */
  readonly name: string;
  /** The diffusers class this scheduler reproduces, e.g. 'EulerDiscreteScheduler'. */
  readonly className: string;
  /** The validated config, with this class's defaults filled in. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Plan a run of `steps` inference steps. With `strength` < 1 (img2img), the run starts part way
   * down the schedule exactly as diffusers' img2img pipelines do (`get_timesteps`:
   * init = min(floor(steps * strength), steps), start = steps - init), or, for LCM, as
   * LCMScheduler.set_timesteps(strength=...) does.
   */
  plan(steps: number, options?: PlanOptions): SchedulerRun;
}

export interface PlanOptions {
  /** img2img strength in (0, 1]; default 1 (txt2img: the whole schedule). */
  strength?: number;
  /**
   * The generator for noise a scheduler injects while stepping (euler-ancestral, lcm with more
   * than one step). Only those need it; they fail at the first step that draws noise without it.
   */
  rng?: Rng;
}

export interface SchedulerRun {
  /** Exactly the timesteps the UNet gets, in order, after img2img strength. */
  readonly timesteps: readonly number[];
  /**
   * For sigma-based schedulers (euler, euler-ancestral, dpm++2m): the noise level at each step,
   * plus the final one the last step lands on (length timesteps.length + 1).
   */
  readonly sigmas?: readonly number[];
  /** What txt2img multiplies unit-variance noise by to make the first latents. */
  readonly initNoiseSigma: number;
  /** The UNet input for step `stepIndex` (an index into `timesteps`). */
  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array;
  /** One denoising step: the sample for the next step (or the final latents after the last). */
  step(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out?: Float32Array,
  ): Float32Array;
  /**
   * Noise clean latents to the level of step `stepIndex` (default 0: the first step of the run,
   * which is what img2img needs).
   */
  addNoise(
    original: Float32Array,
    noise: Float32Array,
    stepIndex?: number,
    out?: Float32Array,
  ): Float32Array;
}

/** A registry entry: how to build a scheduler and what to call it. */
export interface SchedulerDefinition {
  readonly name: string;
  readonly className: string;
  /** Other names that select it (short forms, diffusers-style spellings). */
  readonly aliases: readonly string[];
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** Build from a scheduler_config.json object (any keys; absent ones take this class's defaults). */
  create(config?: unknown): Scheduler;
}
