import { describe, expect, it } from 'vitest';
import { createRng } from '../../rng.js';
import {
  dummySampleDeter,
  testFullLoops,
  testScheduleCases,
} from './__fixtures__/diffusers-fixture.js';
import { LcmScheduler } from './lcm.js';

// Expected schedules: __fixtures__/diffusers-schedules.json from test/reference/diffusers_schedules.py
// (numpy transcription of diffusers' LCMScheduler.set_timesteps, strength included).
describe('LCMScheduler schedules', () => {
  testScheduleCases(
    'LCMScheduler',
    (config) => new LcmScheduler(config),
    (run, c) => {
      expect(run.timesteps).toEqual(c.timesteps);
      expect(run.initNoiseSigma).toBe(1);
    },
    expect.objectContaining({
      code: 'FL_ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/^Expected steps <= int/),
    }),
  );

  it('ends where diffusers test_inference_steps says (99, 39, 19 for 10, 25, 50 steps)', () => {
    const lcm = new LcmScheduler();
    expect([10, 25, 50].map((steps) => lcm.plan(steps).timesteps.at(-1))).toEqual([99, 39, 19]);
  });

  it('explains the LCM strength rule with numbers', () => {
    expect(() => new LcmScheduler().plan(20, { strength: 0.3 })).toThrow(
      'Expected steps <= int(original_inference_steps * strength) but received 20 steps with strength 0.3: ' +
        'LCM picks its steps from the first 15 of 50 distillation timesteps, so use at most 15 steps or a strength of at least 0.4',
    );
  });
});

describe('LCMScheduler full loops from diffusers tests', () => {
  testFullLoops('LCMScheduler', (config) => new LcmScheduler(config), false);
});

describe('LCMScheduler noise injection', () => {
  const model = (x: Float32Array): Float32Array => x.map((v) => 0.5 * v);

  it('draws from the run rng between steps and not after the last one', () => {
    const runA = new LcmScheduler().plan(4, { rng: createRng(7) });
    const runB = new LcmScheduler().plan(4, { rng: createRng(7) });
    const runC = new LcmScheduler().plan(4, { rng: createRng(8) });
    let a = dummySampleDeter();
    let b = dummySampleDeter();
    let c = dummySampleDeter();
    for (let i = 0; i < 4; i++) {
      a = runA.step(model(a), i, a);
      b = runB.step(model(b), i, b);
      c = runC.step(model(c), i, c);
    }
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('needs an rng only when it injects noise', () => {
    const x = dummySampleDeter();
    expect(() => new LcmScheduler().plan(1).step(model(x), 0, x)).not.toThrow();
    expect(() => new LcmScheduler().plan(2).step(model(x), 0, x)).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/rng/),
      }),
    );
  });
});
