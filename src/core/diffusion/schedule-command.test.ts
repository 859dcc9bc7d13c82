import { describe, expect, it } from 'vitest';
import { describeSchedule } from './schedule-command.js';
import { DIFFUSERS_FIXTURE } from './schedulers/__fixtures__/diffusers-fixture.js';

describe('describeSchedule', () => {
  it('prints what an SD-Turbo img2img run feeds the UNet', () => {
    // EulerDiscreteScheduler, trailing: timesteps [999, 749, 499, 249]; strength 0.5 keeps the last 2.
    const description = describeSchedule({
      scheduler: 'EulerDiscreteScheduler',
      steps: 4,
      strength: 0.5,
      config: DIFFUSERS_FIXTURE.configs['sd-turbo'],
    });
    expect(description.timesteps).toEqual([499, 249]);
    expect(description.sigmas).toHaveLength(3);
    expect(description.sigmas?.at(-1)).toBe(0);
  });

  it('omits sigmas for timestep-only schedulers', () => {
    // LCMScheduler with original_inference_steps 50: 4 steps -> [999, 759, 499, 259]
    expect(describeSchedule({ scheduler: 'lcm', steps: 4 })).toEqual({
      timesteps: [999, 759, 499, 259],
    });
  });

  it('is plain JSON', () => {
    const description = describeSchedule({
      scheduler: 'dpm++2m',
      steps: 3,
      config: { use_karras_sigmas: true },
    });
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });
});
