import { FilterlabError } from '../../errors.js';
import { DdimScheduler } from './ddim.js';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep.js';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral-discrete.js';
import { EulerDiscreteScheduler } from './euler-discrete.js';
import { LcmScheduler } from './lcm.js';
import type { Scheduler, SchedulerDefinition } from './scheduler.js';

/**
 * The schedulers filterlab implements, by name. A name is the registry name ('euler'), an alias
 * ('euler-a', 'dpm++2m') or the diffusers class name ('EulerDiscreteScheduler'), so the
 * `_class_name` of a model's scheduler_config.json picks its scheduler.
 */
export const SCHEDULERS: Readonly<Record<string, SchedulerDefinition>> = Object.freeze({
  euler: definition({
    name: 'euler',
    className: 'EulerDiscreteScheduler',
    aliases: ['euler-discrete', 'k_euler'],
    summary: 'Euler (Karras et al. 2022, Algorithm 2); SD-Turbo uses it with trailing spacing',
    create: (config) => new EulerDiscreteScheduler(config),
  }),
  'euler-ancestral': definition({
    name: 'euler-ancestral',
    className: 'EulerAncestralDiscreteScheduler',
    aliases: ['euler-a', 'euler_a', 'euler-ancestral-discrete', 'k_euler_a'],
    summary: 'Euler ancestral: Euler steps plus fresh seeded noise at every step',
    create: (config) => new EulerAncestralDiscreteScheduler(config),
  }),
  ddim: definition({
    name: 'ddim',
    className: 'DDIMScheduler',
    aliases: [],
    summary: 'DDIM (Song et al. 2020), deterministic; SD 2.x ships it with v_prediction',
    create: (config) => new DdimScheduler(config),
  }),
  lcm: definition({
    name: 'lcm',
    className: 'LCMScheduler',
    aliases: ['latent-consistency'],
    summary: 'Latent Consistency Model sampling (Luo et al. 2023), 1-8 steps',
    create: (config) => new LcmScheduler(config),
  }),
  'dpm++2m': definition({
    name: 'dpm++2m',
    className: 'DPMSolverMultistepScheduler',
    aliases: ['dpmpp-2m', 'dpmpp_2m', 'dpm-solver-multistep', 'dpm++'],
    summary: 'DPM-Solver++ 2M (Lu et al. 2022); use_karras_sigmas for "DPM++ 2M Karras"',
    create: (config) => new DpmSolverMultistepScheduler(config),
  }),
});

function definition(entry: SchedulerDefinition): SchedulerDefinition {
  return Object.freeze({ ...entry, aliases: Object.freeze([...entry.aliases]) });
}

const BY_NAME: ReadonlyMap<string, SchedulerDefinition> = new Map(
  Object.values(SCHEDULERS).flatMap((d) =>
    [d.name, d.className, ...d.aliases].map((n) => [n.toLowerCase(), d] as const),
  ),
);

/** Every name `getSchedulerDefinition` accepts. */
export function schedulerNames(): string[] {
  return Object.values(SCHEDULERS).flatMap((d) => [d.name, ...d.aliases, d.className]);
}

/** The definition for a registry name, alias or diffusers class name (case-insensitive). */
export function getSchedulerDefinition(name: string): SchedulerDefinition {
  const found = typeof name === 'string' ? BY_NAME.get(name.trim().toLowerCase()) : undefined;
  if (!found) {
    throw new FilterlabError(
      'FL_ERR_INVALID_ARGUMENT',
      `Expected a scheduler name (one of ${schedulerNames().join(', ')}) but received ${JSON.stringify(name)}`,
      { details: { name: 'scheduler', valid: schedulerNames() } },
    );
  }
  return found;
}

/** Build a scheduler by name from a scheduler_config.json object. */
export function createScheduler(name: string, config?: unknown): Scheduler {
  return getSchedulerDefinition(name).create(config);
}

/**
 * Build the scheduler a model's scheduler_config.json names in `_class_name`, or `override`
 * (another scheduler on the same config, as diffusers' `from_config` does) when given.
 */
export function schedulerFromConfig(config: Record<string, unknown>, override?: string): Scheduler {
  const className = config['_class_name'];
  if (override === undefined && typeof className !== 'string') {
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected scheduler_config.json to name its class in "_class_name" (one of ${Object.values(
        SCHEDULERS,
      )
        .map((d) => d.className)
        .join(', ')}) but it has none; pass a scheduler name instead`,
    );
  }
  return createScheduler(override ?? (className as string), config);
}
