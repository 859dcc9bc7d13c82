import { describe, expect, it } from 'vitest';
import { parseSchedulerConfigText } from './config.js';
import { DdimScheduler } from './ddim.js';
import { EulerDiscreteScheduler } from './euler-discrete.js';
import { LcmScheduler } from './lcm.js';

describe('scheduler config', () => {
  it("fills absent keys with each class's own diffusers defaults", () => {
    // DDIMScheduler.__init__: leading spacing, clip_sample True; EulerDiscreteScheduler: linspace;
    // LCMScheduler: scaled_linear 0.00085..0.012, original_inference_steps 50, timestep_scaling 10.
    expect(new DdimScheduler().config).toMatchObject({
      timestep_spacing: 'leading',
      clip_sample: true,
      set_alpha_to_one: true,
    });
    expect(new EulerDiscreteScheduler().config).toMatchObject({
      timestep_spacing: 'linspace',
      beta_schedule: 'linear',
    });
    expect(new LcmScheduler().config).toMatchObject({
      beta_schedule: 'scaled_linear',
      beta_start: 0.00085,
      beta_end: 0.012,
      original_inference_steps: 50,
      timestep_scaling: 10,
    });
  });

  it('treats null as absent and ignores keys of other classes', () => {
    const config = new EulerDiscreteScheduler({
      trained_betas: null,
      sigma_min: null,
      skip_prk_steps: true,
      _class_name: 'PNDMScheduler',
    }).config;
    expect(config.trained_betas).toBeNull();
    expect(config.sigma_min).toBeNull();
  });

  it('names the bad key, what was expected and what was received', () => {
    expect(() => new DdimScheduler({ timestep_spacing: 'even' })).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message:
          'Invalid scheduler config for DDIMScheduler: timestep_spacing: Expected one of leading, trailing, linspace but received "even"',
      }),
    );
    expect(() => new DdimScheduler({ trained_betas: [0.1, 0.2] })).toThrow(
      /trained_betas: Expected 1000 values \(num_train_timesteps\) but received 2/,
    );
    expect(() => new DdimScheduler({ rescale_betas_zero_snr: true })).toThrow(
      /rescale_betas_zero_snr: true is not supported/,
    );
  });

  it('uses trained_betas when given', () => {
    const betas = Array.from({ length: 10 }, (_, i) => 0.01 * (i + 1));
    const run = new DdimScheduler({
      num_train_timesteps: 10,
      trained_betas: betas,
      clip_sample: false,
    }).plan(2);
    expect(run.timesteps).toEqual([5, 0]);
  });

  it('reads Python JSON with bare -Infinity, Infinity and NaN, leaving strings alone', () => {
    expect(
      parseSchedulerConfigText('{"a": -Infinity, "b": [Infinity, NaN], "c": "-Infinity \\" NaN"}'),
    ).toEqual({
      a: Number.NEGATIVE_INFINITY,
      b: [Number.POSITIVE_INFINITY, Number.NaN],
      c: '-Infinity " NaN',
    });
    expect(() => parseSchedulerConfigText('{"a": }')).toThrow(
      expect.objectContaining({ code: 'FL_ERR_CONFIG' }),
    );
  });
});
