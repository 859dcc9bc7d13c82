import { createScheduler } from './schedulers/registry.js';

export interface DescribeScheduleOptions {
  /** Registry name, alias or diffusers class name, e.g. 'euler', 'dpm++2m', 'LCMScheduler'. */
  scheduler: string;
  steps: number;
  /** img2img strength in (0, 1]; default 1. */
  strength?: number;
  /** A scheduler_config.json object; absent keys take the scheduler class's defaults. */
  config?: unknown;
}

export interface ScheduleDescription {
  /** What the UNet gets at each step, after strength. */
  timesteps: number[];
  /** Sigma-based schedulers only: one per step plus the final one. */
  sigmas?: number[];
}

/**
 * What `filterlab diffusion schedule ... --json` prints: the timesteps (and sigmas) a run of
 * `steps` would use, without running anything.
 */
export function describeSchedule(options: DescribeScheduleOptions): ScheduleDescription {
  const run = createScheduler(options.scheduler, options.config).plan(
    options.steps,
    options.strength === undefined ? {} : { strength: options.strength },
  );
  const description: ScheduleDescription = { timesteps: [...run.timesteps] };
  if (run.sigmas) description.sigmas = [...run.sigmas];
  return description;
}
