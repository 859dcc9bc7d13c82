import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createScheduler,
  getSchedulerDefinition,
  SCHEDULERS,
  schedulerFromConfig,
} from './registry.js';

const TEST_FILES: Record<string, string> = {
  euler: 'euler-discrete.test.ts',
  'euler-ancestral': 'euler-ancestral-discrete.test.ts',
  ddim: 'ddim.test.ts',
  lcm: 'lcm.test.ts',
  'dpm++2m': 'dpm-solver-multistep.test.ts',
};

describe('scheduler registry', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(SCHEDULERS)).toBe(true);
    for (const definition of Object.values(SCHEDULERS))
      expect(Object.isFrozen(definition)).toBe(true);
  });

  it.each(Object.values(SCHEDULERS))(
    '$name has a summary, a test file and builds a scheduler',
    (definition) => {
      expect(definition.summary.length).toBeGreaterThan(10);
      expect(
        existsSync(path.join(import.meta.dirname, TEST_FILES[definition.name] ?? 'missing')),
      ).toBe(true);
      const scheduler = definition.create();
      expect(scheduler.name).toBe(definition.name);
      expect(scheduler.className).toBe(definition.className);
    },
  );

  it.each([
    ['euler', 'EulerDiscreteScheduler'],
    ['euler-a', 'EulerAncestralDiscreteScheduler'],
    ['ddim', 'DDIMScheduler'],
    ['lcm', 'LCMScheduler'],
    ['dpm++2m', 'DPMSolverMultistepScheduler'],
    ['EulerDiscreteScheduler', 'EulerDiscreteScheduler'],
    ['dpmsolvermultistepscheduler', 'DPMSolverMultistepScheduler'],
  ])('resolves %s', (name, className) => {
    expect(getSchedulerDefinition(name).className).toBe(className);
  });

  it('lists the valid names when a name is unknown', () => {
    expect(() => createScheduler('PNDMScheduler')).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^Expected a scheduler name \(one of euler, euler-discrete, .*LCMScheduler.*\) but received "PNDMScheduler"$/,
        ),
      }),
    );
  });

  it('picks the scheduler a scheduler_config.json names, or the override on the same config', () => {
    const config = { _class_name: 'DDIMScheduler', steps_offset: 1, skip_prk_steps: true };
    expect(schedulerFromConfig(config).plan(5).timesteps).toEqual([801, 601, 401, 201, 1]);
    const euler = schedulerFromConfig(config, 'euler');
    expect(euler.className).toBe('EulerDiscreteScheduler');
    // Euler's own default spacing (linspace) applies: the DDIM class default does not carry over.
    expect(euler.plan(2).timesteps).toEqual([999, 0]);
  });

  it('asks for a name when the config has no _class_name', () => {
    expect(() => schedulerFromConfig({})).toThrow(
      expect.objectContaining({ code: 'FL_ERR_CONFIG' }),
    );
  });
});
