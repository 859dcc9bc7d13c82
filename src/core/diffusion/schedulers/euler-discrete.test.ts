import { describe, expect, it } from 'vitest';
import {
  DIFFUSERS_FIXTURE,
  maxAbsDiff,
  testFullLoops,
  testScheduleCases,
} from './__fixtures__/diffusers-fixture.js';
import { EulerDiscreteScheduler } from './euler-discrete.js';

// Expected schedules: src/core/diffusion/schedulers/__fixtures__/diffusers-schedules.json, written by
// test/reference/diffusers_schedules.py (numpy transcription of diffusers' EulerDiscreteScheduler).
describe('EulerDiscreteScheduler schedules', () => {
  testScheduleCases(
    'EulerDiscreteScheduler',
    (config) => new EulerDiscreteScheduler(config),
    (run, c) => {
      expect(maxAbsDiff(run.timesteps, c.timesteps ?? [])).toBeLessThan(1e-4);
      expect(maxAbsDiff(run.sigmas ?? [], c.sigmas ?? [])).toBeLessThan(1e-4);
      expect(run.initNoiseSigma).toBeCloseTo(c.initNoiseSigma ?? Number.NaN, 4);
    },
  );

  it('starts a trailing schedule at the training sigma max', () => {
    // sigma at t = 999 for scaled_linear 0.00085..0.012 is 14.6146 (k-diffusion's sigma_max for SD)
    const run = new EulerDiscreteScheduler(DIFFUSERS_FIXTURE.configs['sd-turbo']).plan(1);
    expect(run.timesteps).toEqual([999]);
    expect(run.sigmas?.[0]).toBeCloseTo(14.6146, 3);
  });
});

describe('EulerDiscreteScheduler full loops from diffusers tests', () => {
  testFullLoops('EulerDiscreteScheduler', (config) => new EulerDiscreteScheduler(config), true);
});

describe('SD-Turbo img2img rule', () => {
  const turbo = new EulerDiscreteScheduler(DIFFUSERS_FIXTURE.configs['sd-turbo']);

  it('runs floor(steps * strength) steps from the trailing schedule', () => {
    expect(turbo.plan(4).timesteps).toEqual([999, 749, 499, 249]);
    expect(turbo.plan(2, { strength: 0.5 }).timesteps).toEqual([499]);
    expect(turbo.plan(4, { strength: 0.6 }).timesteps).toEqual([499, 249]);
  });

  it('explains the steps * strength >= 1 rule', () => {
    expect(() => turbo.plan(1, { strength: 0.5 })).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message:
          'Expected steps * strength >= 1 but received 1 * 0.5 = 0.5: img2img runs floor(steps * strength) denoising steps, so 1 step(s) need strength >= 1',
      }),
    );
  });

  it.each([0, -0.1, 1.5, Number.NaN])('rejects strength %s', (strength) => {
    expect(() => turbo.plan(4, { strength })).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/^Expected a strength in \(0, 1\]/),
      }),
    );
  });
});

describe('EulerDiscreteScheduler options', () => {
  it('uses 0.25 log(sigma) timesteps for continuous v-prediction', () => {
    const run = new EulerDiscreteScheduler({
      timestep_type: 'continuous',
      prediction_type: 'v_prediction',
    }).plan(3);
    expect(run.timesteps.map((t, i) => t - 0.25 * Math.log(run.sigmas?.[i] ?? 0))).toEqual(
      [0, 0, 0].map(() => expect.closeTo(0, 6)),
    );
  });

  it('ends on sigma_min when final_sigmas_type says so', () => {
    const run = new EulerDiscreteScheduler({ final_sigmas_type: 'sigma_min' }).plan(5);
    // sqrt(beta_0 / (1 - beta_0)) with beta_0 = 1e-4
    expect(run.sigmas?.at(-1)).toBeCloseTo(Math.sqrt(1e-4 / (1 - 1e-4)), 5);
  });

  it('rejects options it does not implement, naming them', () => {
    expect(() => new EulerDiscreteScheduler({ use_exponential_sigmas: true })).toThrowError(
      /use_exponential_sigmas: true is not supported/,
    );
    expect(() => new EulerDiscreteScheduler({ beta_schedule: 'squaredcos_cap_v2' })).toThrowError(
      'Invalid scheduler config for EulerDiscreteScheduler: beta_schedule: Expected one of linear, scaled_linear but received "squaredcos_cap_v2"',
    );
  });

  it('writes into the output buffer it is given, even the input itself', () => {
    const run = new EulerDiscreteScheduler().plan(4);
    const sample = Float32Array.from([1, 2, 3]);
    const expected = run.step(Float32Array.from([0.1, 0.2, 0.3]), 0, sample);
    const inPlace = run.step(Float32Array.from([0.1, 0.2, 0.3]), 0, sample, sample);
    expect(inPlace).toBe(sample);
    expect([...inPlace]).toEqual([...expected]);
  });
});
