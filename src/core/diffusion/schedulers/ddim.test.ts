import { describe, expect, it } from 'vitest';
import {
  dummySampleDeter,
  maxAbsDiff,
  testFullLoops,
  testScheduleCases,
} from './__fixtures__/diffusers-fixture.js';
import { DdimScheduler } from './ddim.js';
import { trainSchedule } from './betas.js';

// Expected schedules: __fixtures__/diffusers-schedules.json from test/reference/diffusers_schedules.py
// (numpy transcription of diffusers' DDIMScheduler.set_timesteps and the img2img get_timesteps).
describe('DDIMScheduler schedules', () => {
  testScheduleCases(
    'DDIMScheduler',
    (config) => new DdimScheduler(config),
    (run, c) => {
      expect(maxAbsDiff(run.timesteps, c.timesteps ?? [])).toBe(0);
      expect(run.sigmas).toBeUndefined();
      expect(run.initNoiseSigma).toBe(1);
    },
  );

  it('offsets leading timesteps (diffusers test_steps_offset: [801, 601, 401, 201, 1])', () => {
    expect(new DdimScheduler({ steps_offset: 1 }).plan(5).timesteps).toEqual([
      801, 601, 401, 201, 1,
    ]);
  });

  it('refuses a schedule that leaves the training grid', () => {
    expect(() => new DdimScheduler({ steps_offset: 1 }).plan(1000)).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/schedule reaches 1000/),
      }),
    );
  });
});

describe('DDIMScheduler full loops from diffusers tests', () => {
  testFullLoops('DDIMScheduler', (config) => new DdimScheduler(config), false);
});

describe('DDIMScheduler step', () => {
  it('lands on x0 at the last step when set_alpha_to_one', () => {
    // t = 0 with alpha_prev = 1: x_prev = x0 = (x - sqrt(1 - a0) eps) / sqrt(a0)
    const scheduler = new DdimScheduler({ clip_sample: false });
    const run = scheduler.plan(10);
    const a0 = trainSchedule(scheduler.config).alphasCumprod[0] as number;
    const x = dummySampleDeter().subarray(0, 8);
    const eps = x.map((v) => 1 - v);
    const prev = run.step(eps, 9, x);
    prev.forEach((v, i) =>
      expect(v).toBeCloseTo(
        ((x[i] as number) - Math.sqrt(1 - a0) * (eps[i] as number)) / Math.sqrt(a0),
        6,
      ),
    );
  });

  it('adds noise at the first step of an img2img run', () => {
    const scheduler = new DdimScheduler();
    const run = scheduler.plan(10, { strength: 0.5 });
    const a = trainSchedule(scheduler.config).alphasCumprod[run.timesteps[0] as number] as number;
    const noisy = run.addNoise(Float32Array.of(1), Float32Array.of(2));
    expect(run.timesteps[0]).toBe(400);
    expect(noisy[0]).toBeCloseTo(Math.sqrt(a) + 2 * Math.sqrt(1 - a), 6);
  });
});
