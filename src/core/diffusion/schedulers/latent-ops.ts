import { FilterlabError, invalidArgument } from '../../errors.js';
import type { Rng } from '../../rng.js';

/**
 * Checks and buffers shared by the scheduler runs. The loops themselves live in each scheduler
 * file, next to the algorithm they implement.
 */

export function checkIndex(stepIndex: number, count: number): void {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= count) {
    throw invalidArgument(`a step index in [0, ${count - 1}]`, 'stepIndex', stepIndex);
  }
}

export function checkSameLength(name: string, array: Float32Array, reference: Float32Array): void {
  if (!(array instanceof Float32Array) || array.length !== reference.length) {
    throw invalidArgument(`a Float32Array of ${reference.length} values`, name, array);
  }
}

/** `out` when given (and the right size), else a new array. */
export function output(length: number, out: Float32Array | undefined): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (!(out instanceof Float32Array) || out.length !== length) {
    throw invalidArgument(`a Float32Array of ${length} values`, 'out', out);
  }
  return out;
}

/** scale_model_input of the schedulers whose UNet input is the sample itself. */
export function unscaledInput(sample: Float32Array, out: Float32Array | undefined): Float32Array {
  const target = output(sample.length, out);
  if (target !== sample) target.set(sample);
  return target;
}

/** The fresh noise a stochastic scheduler's run draws while stepping, in one reused buffer. */
export class StepNoise {
  private buffer: Float32Array | undefined;

  /** @param needs why the scheduler needs an rng, for the error when it has none. */
  constructor(
    private readonly rng: Rng | undefined,
    private readonly needs: string,
  ) {}

  draw(length: number): Float32Array {
    if (!this.rng) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected an rng in plan(steps, { rng }) for ${this.needs}, but received none`,
        { details: { name: 'rng' } },
      );
    }
    if (this.buffer?.length !== length) this.buffer = new Float32Array(length);
    return this.rng.fillNormal(this.buffer);
  }
}

/** out[i] = a * x[i] + b * y[i] */
export function axpby(
  a: number,
  x: Float32Array,
  b: number,
  y: Float32Array,
  out: Float32Array,
): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = a * (x[i] as number) + b * (y[i] as number);
  return out;
}

/** out[i] = a * x[i] */
export function scale(a: number, x: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = a * (x[i] as number);
  return out;
}

/** Euler-family model input: sample / sqrt(sigma^2 + 1) (scale_model_input). */
export function scaleBySigma(sigma: number, sample: Float32Array, out: Float32Array): Float32Array {
  const denominator = Math.sqrt(sigma * sigma + 1);
  for (let i = 0; i < sample.length; i++) out[i] = (sample[i] as number) / denominator;
  return out;
}

/** Euler-family add_noise: original + noise * sigma. */
export function addSigmaNoise(
  sigma: number,
  original: Float32Array,
  noise: Float32Array,
  out: Float32Array,
): Float32Array {
  for (let i = 0; i < original.length; i++)
    out[i] = (original[i] as number) + (noise[i] as number) * sigma;
  return out;
}
