import type { z } from 'zod';
import type { Context, Logger } from '../context.js';
import type { Image } from '../image/image.js';
import type { InstalledModel } from '../models/store.js';
import type { Value, ValueKind, Values } from './values.js';

/** A capability a step needs from the photo; a photo without it ends the run with a clear outcome. */
export type Requirement = 'face';

/**
 * One kind of operation a filter spec can use. Definitions sit next to their code and are
 * collected in the registry; the spec's step entry (minus `type`, `input`, `output`) is
 * validated by `options`.
 */
export interface StepDefinition<O = unknown> {
  readonly type: string;
  /** One line for `filterlab steps list` and the docs. */
  readonly summary: string;
  readonly options: z.ZodType<O>;
  /** Kind of value the step produces; stored under the entry's `output` (default per kind). */
  readonly produces: ValueKind;
  /** Whether the step transforms its `input` image (default true). */
  readonly usesInput?: boolean;
  /** What the photo must have; a function when an option (e.g. `required: false`) decides. */
  readonly requires?: readonly Requirement[] | ((options: O) => readonly Requirement[]);
  /** Values besides `input` that the options point at, for checking specs at compile time. */
  reads?(options: O): { name: string; kind: ValueKind; optional?: boolean }[];
  /**
   * Load what the step needs once per compiled filter (models, LUTs). Options here carry the
   * parameters' defaults: anything that decides what to load must not depend on a parameter.
   */
  prepare(options: O, env: PrepareEnv): PreparedStep<O> | Promise<PreparedStep<O>>;
}

export interface PrepareEnv {
  readonly ctx: Context;
  /** Folder that relative paths in the spec are resolved against. */
  readonly baseDir: string;
  /** Resolve a model id or a spec-relative path, verified; records its hash in the filter id. */
  resolveModel(ref: string): Promise<InstalledModel>;
  /** Record the hash of a resource that is not a store model (a LUT file, a packaged model). */
  addHash(label: string, hash: string): void;
}

export interface PreparedStep<O> {
  run(io: StepIO<O>): Promise<Value> | Value;
  dispose?(): Promise<void> | void;
}

/** What one execution of a step sees. */
export interface StepIO<O> {
  /** The step's input image (its `input` entry, default the current image). */
  readonly input: Image;
  /** Options with this run's parameter values substituted and validated. */
  readonly options: O;
  readonly values: Values;
  readonly run: RunState;
}

export interface RunState {
  readonly ctx: Context;
  readonly logger: Logger;
  /** The run's seed; steps derive their own streams from it with `stepSeed`. */
  readonly seed: number;
  /** Index of this step in the filter, to derive per-step seeds. */
  readonly stepIndex: number;
  readonly signal: AbortSignal | undefined;
  /** Report progress inside the step, in [0, 1]. */
  progress(fraction: number, message?: string): void;
}

/** A seed for one step, so that adding a step does not change another step's randomness. */
export function stepSeed(run: Pick<RunState, 'seed' | 'stepIndex'>): number {
  let h = (run.seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (run.stepIndex + 1), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Helper so definitions infer their option type from the schema. */
export function defineStep<S extends z.ZodType>(
  def: StepDefinition<z.infer<S>> & { options: S },
): StepDefinition<z.infer<S>> {
  return def;
}
