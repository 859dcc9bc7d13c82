import { describe, expect, it } from 'vitest';
import { DIFFUSERS_FIXTURE } from './__fixtures__/diffusers-fixture.js';
import { TIMESTEP_SPACINGS } from './config.js';
import { arange, linspace, roundHalfEven } from './numpy-compat.js';
import { ddimSpacing, dpmSpacing, eulerSpacing, img2imgStart } from './timesteps.js';

// Expected values: the "spacing" tables of __fixtures__/diffusers-schedules.json, computed by
// test/reference/diffusers_schedules.py with numpy for every step count 1..64 (1000 training
// steps, steps_offset 1).
describe('timestep spacings equal numpy for 1..64 steps', () => {
  for (const spacing of TIMESTEP_SPACINGS) {
    it(`DDIMScheduler ${spacing}`, () => {
      const table = DIFFUSERS_FIXTURE.spacing[`DDIMScheduler/${spacing}`] ?? {};
      for (const [n, expected] of Object.entries(table)) {
        expect(ddimSpacing(spacing, 1000, Number(n), 1), `${n} steps`).toEqual(expected);
      }
    });
    it(`DPMSolverMultistepScheduler ${spacing}`, () => {
      const table = DIFFUSERS_FIXTURE.spacing[`DPMSolverMultistepScheduler/${spacing}`] ?? {};
      for (const [n, expected] of Object.entries(table)) {
        expect(dpmSpacing(spacing, 1000, 1000, Number(n), 1), `${n} steps`).toEqual(expected);
      }
    });
    it(`EulerDiscreteScheduler ${spacing}`, () => {
      const table = DIFFUSERS_FIXTURE.spacing[`EulerDiscreteScheduler/${spacing}`] ?? {};
      for (const [n, expected] of Object.entries(table)) {
        expect(eulerSpacing(spacing, 1000, Number(n), 1).map(Math.fround), `${n} steps`).toEqual(
          expected,
        );
      }
    });
  }
});

describe('numpy helpers', () => {
  it('rounds halves to even like numpy.round', () => {
    expect([0.5, 1.5, 2.5, 937.5, 812.5, -1.5, 2.4999].map(roundHalfEven)).toEqual([
      0, 2, 2, 938, 812, -2, 2,
    ]);
  });

  it('builds linspace and arange as numpy does', () => {
    expect(linspace(0, 999, 1)).toEqual([0]); // numpy.linspace(0, 999, 1) == [0.]
    expect(linspace(0, 25, 4, false)).toEqual([0, 6.25, 12.5, 18.75]);
    // numpy.arange(1000, 0, -1000/3).tolist(): the third value is start + 2 * ((start + step) - start)
    expect(arange(1000, 0, -1000 / 3)).toEqual([1000, 666.6666666666667, 333.3333333333335]);
  });
});

describe('img2img start', () => {
  it('follows get_timesteps: init = min(int(steps * strength), steps)', () => {
    expect(img2imgStart(10, 1)).toBe(0);
    expect(img2imgStart(10, 0.2)).toBe(8);
    expect(img2imgStart(4, 0.3)).toBe(3); // int(1.2) = 1 step left
    expect(img2imgStart(50, 0.3)).toBe(35); // 50 * 0.3 = 15.000000000000002
  });
});
