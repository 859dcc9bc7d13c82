import { FilterlabError, invalidArgument } from '../../errors.js';
import { arange, linspace, roundHalfEven } from './numpy-compat.js';
import type { TimestepSpacing } from './config.js';

/**
 * Pieces of set_timesteps that several schedulers share, and the img2img arithmetic of diffusers'
 * pipelines. Each follows the diffusers line it names; "why" a number is what it is lives there.
 */

export function checkSteps(steps: number, maxSteps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > maxSteps) {
    throw invalidArgument(`an integer number of steps in [1, ${maxSteps}]`, 'steps', steps);
  }
}

/** A schedule must stay on the training grid: alphas_cumprod[t] has to exist. */
export function checkTimesteps(timesteps: readonly number[], trainSteps: number): void {
  const bad = timesteps.find((t) => t < 0 || t >= trainSteps);
  if (bad !== undefined) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected timesteps in [0, ${trainSteps - 1}] but the schedule reaches ${bad}; use fewer steps or a smaller steps_offset`,
      { details: { name: 'steps' } },
    );
  }
}

export function checkStrength(strength: number): void {
  if (typeof strength !== 'number' || !(strength > 0 && strength <= 1)) {
    throw invalidArgument(
      'a strength in (0, 1] (1 = txt2img, less = keep more of the image)',
      'strength',
      strength,
    );
  }
}

/**
 * The index of the first timestep an img2img run uses, as diffusers' pipelines' get_timesteps:
 * init_timestep = min(int(steps * strength), steps); t_start = max(steps - init_timestep, 0).
 * A run needs at least one step, so steps * strength must be >= 1 (SD-Turbo with 1 step needs
 * strength 1; with 2 steps, strength >= 0.5).
 */
export function img2imgStart(steps: number, strength: number): number {
  checkStrength(strength);
  const init = Math.min(Math.trunc(steps * strength), steps);
  if (init < 1) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected steps * strength >= 1 but received ${steps} * ${strength} = ${steps * strength}: ` +
        `img2img runs floor(steps * strength) denoising steps, so ${steps} step(s) need strength >= ${1 / steps}`,
      { details: { name: 'strength', steps, strength } },
    );
  }
  return steps - init;
}

/** Euler / Euler-ancestral timesteps (float32), before sigmas are attached. */
export function eulerSpacing(
  spacing: TimestepSpacing,
  trainSteps: number,
  steps: number,
  offset: number,
): number[] {
  return spaced(spacing, trainSteps, steps, offset, Math.fround);
}

/** DDIMScheduler.set_timesteps: integer timesteps. */
export function ddimSpacing(
  spacing: TimestepSpacing,
  trainSteps: number,
  steps: number,
  offset: number,
): number[] {
  return spaced(spacing, trainSteps, steps, offset, roundHalfEven);
}

/** The spacing rules DDIM and Euler share; they differ only in how linspace is rounded. */
function spaced(
  spacing: TimestepSpacing,
  trainSteps: number,
  steps: number,
  offset: number,
  roundLinspace: (t: number) => number,
): number[] {
  if (spacing === 'linspace')
    return linspace(0, trainSteps - 1, steps)
      .map(roundLinspace)
      .reverse();
  if (spacing === 'leading') {
    const ratio = Math.floor(trainSteps / steps);
    return descendingMultiples(steps, ratio).map((t) => t + offset);
  }
  return arange(trainSteps, 0, -trainSteps / steps).map((t) => roundHalfEven(t) - 1);
}

/** DPMSolverMultistepScheduler.set_timesteps: steps + 1 points with the last one dropped. */
export function dpmSpacing(
  spacing: TimestepSpacing,
  trainSteps: number,
  lastTimestep: number,
  steps: number,
  offset: number,
): number[] {
  if (spacing === 'linspace') {
    return linspace(0, lastTimestep - 1, steps + 1)
      .map(roundHalfEven)
      .reverse()
      .slice(0, steps);
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(lastTimestep / (steps + 1));
    return descendingMultiples(steps + 1, ratio)
      .slice(0, steps)
      .map((t) => t + offset);
  }
  return arange(lastTimestep, 0, -trainSteps / steps).map((t) => roundHalfEven(t) - 1);
}

/** (np.arange(0, n) * ratio)[::-1] */
function descendingMultiples(n: number, ratio: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = (n - 1 - i) * ratio;
  return out;
}

/**
 * Karras et al. (2022) noise levels, `_convert_to_karras` (from k-diffusion):
 * (max^(1/rho) + ramp * (min^(1/rho) - max^(1/rho)))^rho with rho = 7, ramp = linspace(0, 1, n).
 */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, steps: number): number[] {
  const rho = 7;
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return linspace(0, 1, steps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho);
}

/**
 * `_sigma_to_t`: the (fractional) training timestep of a noise level, interpolating log(sigma)
 * between the two training sigmas around it. `low - high` is a float32 difference in diffusers
 * (both come from a float32 array), hence the fround.
 */
export function sigmaToTimestep(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let lowIdx = 0;
  for (let i = 0; i < logSigmas.length; i++) if ((logSigmas[i] as number) <= logSigma) lowIdx = i;
  lowIdx = Math.min(lowIdx, logSigmas.length - 2);
  const low = logSigmas[lowIdx] as number;
  const high = logSigmas[lowIdx + 1] as number;
  const w = Math.min(1, Math.max(0, (low - logSigma) / Math.fround(low - high)));
  return (1 - w) * lowIdx + w * (lowIdx + 1);
}
