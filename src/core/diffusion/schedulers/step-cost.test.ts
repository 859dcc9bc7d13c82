import { describe, expect, it } from 'vitest';
import { createRng } from '../../rng.js';
import { DIFFUSERS_FIXTURE } from './__fixtures__/diffusers-fixture.js';
import { SCHEDULERS } from './registry.js';

// The diffusion benchmark budgets < 1 ms of TypeScript work per step at 4x64x64 latents (SD at
// 512x512): scaleModelInput + step, with noise drawn by the schedulers that draw it.
const LATENTS = 4 * 64 * 64;
const STEPS = 50;

describe('scheduler step cost', () => {
  it.each(Object.values(SCHEDULERS))('$name stays under 1 ms per step at 4x64x64', (definition) => {
    const scheduler = definition.create(DIFFUSERS_FIXTURE.configs['sd15']);
    const sample = createRng(1).fillNormal(new Float32Array(LATENTS));
    const modelOutput = createRng(2).fillNormal(new Float32Array(LATENTS));
    const input = new Float32Array(LATENTS);
    const next = new Float32Array(LATENTS);
    const runOnce = (): number => {
      const run = scheduler.plan(STEPS, { rng: createRng(3) });
      const started = performance.now();
      for (let i = 0; i < run.timesteps.length; i++) {
        run.scaleModelInput(sample, i, input);
        run.step(modelOutput, i, input, next);
      }
      return (performance.now() - started) / run.timesteps.length;
    };
    runOnce(); // warm-up: let the JIT compile the loops
    // the best of several runs: other test files share the CPU while this one measures
    const perStep = Math.min(...Array.from({ length: 8 }, runOnce));
    expect(perStep, `${perStep.toFixed(3)} ms per step`).toBeLessThan(1);
  });
});
