import type { Percentiles } from '../percentiles.js';
import type { QualityScore } from '../quality.js';
import type { Constraints } from './pareto.js';
import type { Knob, SweepPoint } from './knobs.js';

export interface SweepPointResult {
  /** Knob values; empty for the default config. */
  knobs: SweepPoint;
  label: string;
  isDefault: boolean;
  versionId?: string;
  /** Long side of the photo that was timed. */
  size: number;
  latency?: Percentiles;
  /** Peak RSS sampled while compiling and running this point. */
  peakRssMb?: number;
  /** That peak minus the RSS just before compiling (after a forced GC when available). */
  rssDeltaMb?: number;
  quality?: QualityScore;
  /** Why the point could not run (e.g. an execution provider this machine lacks). */
  error?: string;
  pareto: boolean;
  paretoWithMemory: boolean;
}

export interface SweepReport {
  kind: 'filterlab-sweep';
  version: 1;
  date: string;
  filter: { id: string; source: string };
  machine: Record<string, string | number>;
  options: {
    knobs: Knob[];
    photo: string;
    qualitySet: string;
    qualityPhotos: number;
    defaultSize: number;
    runs: number;
    warmup: number;
    constraints: Constraints;
  };
  identity: { measured: boolean; note: string };
  points: SweepPointResult[];
  /** Index into points of the fastest point meeting the constraints. */
  recommended?: number;
}
