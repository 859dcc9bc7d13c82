import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Scheduler, SchedulerRun } from '../scheduler.js';

/**
 * diffusers-schedules.json, written by test/reference/diffusers_schedules.py (a numpy transcription
 * of diffusers' set_timesteps / step code): the numbers the scheduler tests compare against.
 */
export interface ScheduleCase {
  config: string;
  scheduler: string;
  steps: number;
  strength: number;
  timesteps?: number[];
  sigmas?: number[];
  initNoiseSigma?: number;
  error?: string;
}

export interface FullLoop {
  name: string;
  scheduler: string;
  config: Record<string, unknown>;
  steps: number;
  tStart?: number;
  /** What the transcription computes. */
  sum: number;
  mean: number;
  /** What diffusers' own test asserts (1e-2 on sums, 1e-3 on means); absent: transcription only. */
  diffusers?: { sum?: number; mean: number };
  source: string;
}

export interface DiffusersFixture {
  configs: Record<string, Record<string, unknown>>;
  cases: ScheduleCase[];
  spacing: Record<string, Record<string, number[]>>;
  fullLoops: FullLoop[];
}

export const DIFFUSERS_FIXTURE: DiffusersFixture = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'diffusers-schedules.json'), 'utf8'),
) as DiffusersFixture;

export function casesFor(className: string): ScheduleCase[] {
  return DIFFUSERS_FIXTURE.cases.filter((c) => c.scheduler === className);
}

export function loopsFor(className: string): FullLoop[] {
  return DIFFUSERS_FIXTURE.fullLoops.filter((l) => l.scheduler === className);
}

/** tests/schedulers/test_schedulers.py dummy_sample_deter, flattened (every loop is elementwise). */
export function dummySampleDeter(): Float32Array {
  const n = 4 * 3 * 8 * 8;
  return Float32Array.from({ length: n }, (_, i) => i / n);
}

/** dummy_noise_deter: the same values reversed. */
export function dummyNoiseDeter(): Float32Array {
  const n = 4 * 3 * 8 * 8;
  return Float32Array.from({ length: n }, (_, i) => (n - 1 - i) / n);
}

/** dummy_model: sample * t / (t + 1). */
export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const t32 = Math.fround(t);
  return sample.map((x) => (x * t32) / (t32 + 1));
}

/**
 * The loop of diffusers' scheduler tests through filterlab's contract. diffusers' Euler tests
 * assign the scaled input back to `sample` before stepping (`sample = scale_model_input(sample, t)`),
 * so `reassignScaled` reproduces that; the other tests never scale.
 */
export function runFullLoop(
  scheduler: Scheduler,
  loop: FullLoop,
  reassignScaled: boolean,
): Float32Array {
  const strength = loop.tStart === undefined ? 1 : (loop.steps - loop.tStart) / loop.steps;
  const run = scheduler.plan(loop.steps, { strength });
  let sample: Float32Array = dummySampleDeter().map((x) => x * run.initNoiseSigma);
  if (loop.tStart !== undefined) sample = run.addNoise(sample, dummyNoiseDeter(), 0);
  for (let i = 0; i < run.timesteps.length; i++) {
    if (reassignScaled) sample = run.scaleModelInput(sample, i);
    sample = run.step(dummyModel(sample, run.timesteps[i] as number), i, sample);
  }
  return sample;
}

export function absStats(sample: Float32Array): { sum: number; mean: number } {
  let sum = 0;
  for (const x of sample) sum += Math.abs(x);
  return { sum, mean: sum / sample.length };
}

/**
 * Why `stats` fails the assertion of the diffusers test the loop comes from (1e-3 on the mean,
 * 1e-2 on the sum, as the test files assert), or undefined when it passes or has no diffusers number.
 */
export function diffusersMismatch(
  stats: { sum: number; mean: number },
  loop: FullLoop,
): string | undefined {
  const want = loop.diffusers;
  if (!want) return undefined;
  if (Math.abs(stats.mean - want.mean) >= 1e-3) return `mean ${stats.mean}, diffusers ${want.mean}`;
  if (want.sum !== undefined && Math.abs(stats.sum - want.sum) >= 1e-2)
    return `sum ${stats.sum}, diffusers ${want.sum}`;
  return undefined;
}

/** Largest absolute difference, for assertions that name the worst element. */
export function maxAbsDiff(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  return worst;
}

/**
 * One test per schedule case of `className`: `check` compares the plan with the case, and a case
 * diffusers refuses must throw `refusal` (a pattern, or a matcher for the whole error).
 */
export function testScheduleCases(
  className: string,
  create: (config: Record<string, unknown> | undefined) => Scheduler,
  check: (run: SchedulerRun, c: ScheduleCase) => void,
  refusal: unknown = /steps \* strength >= 1/,
): void {
  for (const c of casesFor(className)) {
    it(`${c.config}, ${c.steps} steps, strength ${c.strength}`, () => {
      const scheduler = create(DIFFUSERS_FIXTURE.configs[c.config]);
      const plan = () => scheduler.plan(c.steps, { strength: c.strength });
      if (c.error) expect(plan).toThrow(refusal as RegExp);
      else check(plan(), c);
    });
  }
}

/**
 * One test per diffusers full loop of `className`: within the diffusers test's own tolerances,
 * and within 1e-5 (relative) of the float32 transcription.
 */
export function testFullLoops(
  className: string,
  create: (config: Record<string, unknown>) => Scheduler,
  reassignScaled: boolean,
): void {
  for (const loop of loopsFor(className)) {
    it(`${loop.name} (${loop.source})`, () => {
      const stats = absStats(runFullLoop(create(loop.config), loop, reassignScaled));
      expect(diffusersMismatch(stats, loop)).toBeUndefined();
      expect(Math.abs(stats.sum - loop.sum)).toBeLessThanOrEqual(1e-5 * Math.max(1, loop.sum));
    });
  }
}
