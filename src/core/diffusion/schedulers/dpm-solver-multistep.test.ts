import { describe, expect, it } from 'vitest';
import {
  DIFFUSERS_FIXTURE,
  dummySampleDeter,
  maxAbsDiff,
  testFullLoops,
  testScheduleCases,
} from './__fixtures__/diffusers-fixture.js';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep.js';
import { parseSchedulerConfigText } from './config.js';

// Expected schedules: __fixtures__/diffusers-schedules.json from test/reference/diffusers_schedules.py
// (numpy transcription of diffusers' DPMSolverMultistepScheduler.set_timesteps, with and without
// use_karras_sigmas, and the img2img get_timesteps).
describe('DPMSolverMultistepScheduler schedules', () => {
  testScheduleCases(
    'DPMSolverMultistepScheduler',
    (config) => new DpmSolverMultistepScheduler(config),
    (run, c) => {
      expect(maxAbsDiff(run.timesteps, c.timesteps ?? [])).toBe(0);
      expect(maxAbsDiff(run.sigmas ?? [], c.sigmas ?? [])).toBeLessThan(1e-4);
      expect(run.initNoiseSigma).toBe(1);
    },
  );
});

describe('DPMSolverMultistepScheduler full loops from diffusers tests', () => {
  testFullLoops(
    'DPMSolverMultistepScheduler',
    (config) => new DpmSolverMultistepScheduler(config),
    false,
  );
});

describe('DPMSolverMultistepScheduler runs', () => {
  const model = (x: Float32Array): Float32Array => x.map((v) => 0.3 * v);

  it('keeps multistep state per run: two interleaved runs equal two sequential ones', () => {
    const scheduler = new DpmSolverMultistepScheduler(DIFFUSERS_FIXTURE.configs['sd15-karras']);
    const sequential = runAll(scheduler.plan(6), dummySampleDeter());
    const r1 = scheduler.plan(6);
    const r2 = scheduler.plan(6);
    let a = dummySampleDeter();
    let b = dummySampleDeter();
    for (let i = 0; i < 6; i++) {
      a = r1.step(model(a), i, a);
      b = r2.step(model(b), i, b);
    }
    expect([...a]).toEqual([...sequential]);
    expect([...b]).toEqual([...sequential]);

    function runAll(run: ReturnType<typeof scheduler.plan>, x: Float32Array): Float32Array {
      for (let i = 0; i < run.timesteps.length; i++) x = run.step(model(x), i, x);
      return x;
    }
  });

  it('must be stepped in order', () => {
    const run = new DpmSolverMultistepScheduler().plan(4);
    const x = dummySampleDeter();
    run.step(model(x), 0, x);
    expect(() => run.step(model(x), 2, x)).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/^Expected step 1 next but received 2/),
      }),
    );
  });

  it('reads a Python-written config with lambda_min_clipped -Infinity', () => {
    const config = parseSchedulerConfigText(
      '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity}',
    );
    expect(new DpmSolverMultistepScheduler(config).config.lambda_min_clipped).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('rejects solver orders and algorithms it does not implement', () => {
    expect(() => new DpmSolverMultistepScheduler({ solver_order: 3 })).toThrow(
      /Expected solver_order 1 or 2/,
    );
    expect(() => new DpmSolverMultistepScheduler({ algorithm_type: 'sde-dpmsolver++' })).toThrow(
      /algorithm_type: Expected one of dpmsolver\+\+ but received "sde-dpmsolver\+\+"/,
    );
  });
});
