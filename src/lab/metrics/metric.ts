import type { PairAnalysis } from '../analysis.js';

export interface MetricInput {
  pair: PairAnalysis;
  /** Wall time of the filter run on this photo. */
  latencyMs: number;
  /** Peak resident memory of the process during the run. */
  peakRssMb: number;
}

/**
 * A lab metric: a plain function over (input, output, context) returning a number, or
 * undefined when it does not apply (identity on a photo without a face). Add one by writing a
 * definition next to its function and listing it in LAB_METRICS.
 */
export interface MetricDefinition {
  id: string;
  description: string;
  /** Where the formula comes from. */
  reference: string;
  unit: string;
  /** Which way is better: up, down, or towards zero (signed shifts). */
  direction: 'higher' | 'lower' | 'zero';
  /** Reads the face or person models (loaded for the run only when a metric needs them). */
  needsFaces?: boolean;
  compute(m: MetricInput): Promise<number | undefined> | number | undefined;
}
