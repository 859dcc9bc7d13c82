import type { Context } from '../context.js';
import { FilterlabError, throwIfAborted, toFilterlabError } from '../errors.js';
import type { Image } from '../image/image.js';
import type { InstalledModel } from '../models/store.js';
import { defaultSteps } from './builtin-steps.js';
import type { StepRegistry } from '../steps/registry.js';
import type { PreparedStep, Requirement, RunState, StepDefinition } from '../steps/step.js';
import { DEFAULT_OUTPUT, IMAGE, SOURCE, Values, type ValueKind } from '../steps/values.js';
import { parseWith } from '../util/parse-with.js';
import { canonicalJson } from './canonical-json.js';
import {
  defaultParams,
  findParamRefs,
  resolveParams,
  substituteParams,
  type ParamValues,
} from './params.js';
import type { FilterSpec } from './spec.js';
import { FILTERLAB_VERSION } from '../version.js';
import { sha256Hex } from '../util/content-hash.js';

export interface Progress {
  /** Overall fraction in [0, 1]. */
  fraction: number;
  step: number;
  steps: number;
  type: string;
  message?: string;
}

export interface RunOptions {
  params?: Record<string, unknown>;
  /** Seed of every random choice in the run (grain, diffusion noise). Default 0. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** sha256 of the source file, recorded in the output's metadata. */
  sourceHash?: string;
}

/** What is recorded beside every output so that it can be reproduced. */
export interface OutputMeta {
  filter: string;
  filterVersion: string;
  versionId: string;
  params: ParamValues;
  seed: number;
  sourceHash?: string;
  filterlab: string;
}

export interface StepTiming {
  type: string;
  ms: number;
}

export interface RunResult {
  image: Image;
  meta: OutputMeta;
  timings: StepTiming[];
  /** Every named value of the run (masks, faces), for the lab and debugging. */
  values: Values;
}

/** A compiled filter: immutable, reusable, safe to call concurrently. */
export interface Runner {
  readonly spec: FilterSpec;
  readonly id: string;
  /** Content hash of the spec and of every model and resource it uses. */
  readonly versionId: string;
  readonly requires: readonly Requirement[];
  resolveParams(overrides?: Record<string, unknown>): ParamValues;
  run(image: Image, options?: RunOptions): Promise<RunResult>;
  dispose(): Promise<void>;
}

export interface CompileOptions {
  /** Folder for relative paths in the spec (LUT files, model folders). Default: cwd. */
  baseDir?: string;
  steps?: StepRegistry;
}

interface CompiledStep {
  def: StepDefinition<unknown>;
  /** The entry's options with "$param" references left in. */
  rawOptions: Record<string, unknown>;
  input: string;
  output: string;
  prepared: PreparedStep<unknown>;
  where: string;
}

const RESERVED = new Set(['type', 'input', 'output']);

/**
 * Check a spec completely (step types, options, parameter references, value names), load what
 * its steps need, and return a runner.
 */
export async function compile(
  spec: FilterSpec,
  ctx: Context,
  options: CompileOptions = {},
): Promise<Runner> {
  const registry = options.steps ?? defaultSteps();
  const baseDir = options.baseDir ?? process.cwd();
  const defaults = defaultParams(spec.params);
  const hashes: string[] = [];
  const env = {
    ctx,
    baseDir,
    resolveModel: async (ref: string): Promise<InstalledModel> => {
      const model = await ctx.models.resolve(ref, baseDir);
      hashes.push(`model:${model.manifest.id}:${model.hash}`);
      return model;
    },
    addHash: (label: string, hash: string) => hashes.push(`${label}:${hash}`),
  };

  const known = new Map<string, ValueKind>([
    [SOURCE, 'image'],
    [IMAGE, 'image'],
  ]);
  const compiled: CompiledStep[] = [];
  const requires = new Set<Requirement>(spec.requires);
  try {
    for (const [index, entry] of spec.steps.entries()) {
      const where = `steps[${index}]`;
      const def = registry.get(entry.type, `${where}.type`);
      const rawOptions = Object.fromEntries(
        Object.entries(entry).filter(([k]) => !RESERVED.has(k)),
      );
      for (const ref of findParamRefs(rawOptions)) {
        if (!(ref.name in spec.params)) {
          throw specError(
            `${where}.${ref.path.join('.')}`,
            `refers to parameter "$${ref.name}" but the filter declares ${Object.keys(spec.params).join(', ') || 'no parameters'}`,
          );
        }
      }
      const options = parseOptions(def, rawOptions, defaults, where);
      checkParamBounds(def, rawOptions, spec, defaults, where);
      const input = entry.input ?? IMAGE;
      if (def.usesInput !== false) checkRef(known, input, 'image', `${where}.input`);
      for (const read of def.reads?.(options) ?? []) {
        if (!read.optional || known.has(read.name)) checkRef(known, read.name, read.kind, where);
      }
      const output = entry.output ?? DEFAULT_OUTPUT[def.produces];
      if (output === SOURCE)
        throw specError(`${where}.output`, `cannot overwrite "${SOURCE}", the original photo`);
      known.set(output, def.produces);
      const needs = typeof def.requires === 'function' ? def.requires(options) : def.requires;
      for (const r of needs ?? []) requires.add(r);
      const prepared = await def.prepare(options, env);
      compiled.push({ def, rawOptions, input, output, prepared, where });
    }
  } catch (error) {
    await Promise.all(compiled.map((c) => c.prepared.dispose?.()));
    throw error;
  }
  if (known.get(IMAGE) !== 'image') throw specError('steps', `must leave an image in "${IMAGE}"`);

  // a serve timeout does not change a pixel: changing it keeps the version id
  const pixels = { ...spec, timeoutMs: undefined };
  const versionId = sha256Hex(canonicalJson(pixels), '\n', [...hashes].sort().join('\n')).slice(
    0,
    16,
  );

  return new CompiledFilter(spec, versionId, [...requires], compiled, ctx);
}

class CompiledFilter implements Runner {
  readonly id: string;

  constructor(
    readonly spec: FilterSpec,
    readonly versionId: string,
    readonly requires: readonly Requirement[],
    private readonly steps: readonly CompiledStep[],
    private readonly ctx: Context,
  ) {
    this.id = spec.id;
  }

  resolveParams(overrides: Record<string, unknown> = {}): ParamValues {
    return resolveParams(this.spec.params, overrides, this.spec.id);
  }

  async run(image: Image, options: RunOptions = {}): Promise<RunResult> {
    const params = this.resolveParams(options.params);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new FilterlabError(
        'FL_ERR_PARAM_INVALID',
        `Expected seed to be an integer in [0, 4294967295] but received ${seed}`,
      );
    }
    const values = new Values();
    values.set(SOURCE, { kind: 'image', image });
    values.set(IMAGE, { kind: 'image', image });
    const timings: StepTiming[] = [];
    const total = this.steps.length;
    for (const [index, step] of this.steps.entries()) {
      // Steps are CPU-bound: let timers and I/O (heartbeats, cancellation, deadlines) run
      // between them, or an AbortSignal could only ever fire after the last step.
      if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(options.signal);
      const report = (fraction: number, message?: string) =>
        options.onProgress?.({
          fraction: (index + Math.min(1, Math.max(0, fraction))) / total,
          step: index,
          steps: total,
          type: step.def.type,
          ...(message ? { message } : {}),
        });
      report(0);
      const stepOptions = parseOptions(step.def, step.rawOptions, params, step.where);
      const state: RunState = {
        ctx: this.ctx,
        logger: this.ctx.logger,
        seed,
        stepIndex: index,
        signal: options.signal,
        progress: report,
      };
      const started = performance.now();
      let value;
      try {
        value = await step.prepared.run({
          input: values.image(step.input),
          options: stepOptions,
          values,
          run: state,
        });
      } catch (error) {
        throw toFilterlabError(error, 'FL_ERR_INTERNAL');
      }
      timings.push({ type: step.def.type, ms: performance.now() - started });
      values.set(step.output, value);
    }
    options.onProgress?.({ fraction: 1, step: total, steps: total, type: 'done' });
    return {
      image: values.image(IMAGE),
      meta: {
        filter: this.spec.id,
        filterVersion: this.spec.version,
        versionId: this.versionId,
        params,
        seed,
        ...(options.sourceHash ? { sourceHash: options.sourceHash } : {}),
        filterlab: FILTERLAB_VERSION,
      },
      timings,
      values,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.steps.map((s) => s.prepared.dispose?.()));
  }
}

function parseOptions(
  def: StepDefinition<unknown>,
  raw: Record<string, unknown>,
  params: ParamValues,
  where: string,
): unknown {
  return parseWith(
    def.options,
    substituteParams(raw, params),
    'FL_ERR_SPEC_INVALID',
    `${def.type} step`,
    { path: [where], details: { path: where, step: def.type } },
  );
}

/** Every value a parameter's range allows must suit the options it feeds, or some runs would fail. */
function checkParamBounds(
  def: StepDefinition<unknown>,
  raw: Record<string, unknown>,
  spec: FilterSpec,
  defaults: ParamValues,
  where: string,
): void {
  for (const ref of findParamRefs(raw)) {
    const param = spec.params[ref.name];
    if (param?.type !== 'number' && param?.type !== 'integer') continue;
    for (const bound of [param.min, param.max]) {
      if (bound === undefined) continue;
      try {
        parseOptions(def, raw, { ...defaults, [ref.name]: bound }, where);
      } catch (error) {
        throw specError(`params.${ref.name}`, `allows ${bound} but ${(error as Error).message}`);
      }
    }
  }
}

function checkRef(
  known: Map<string, ValueKind>,
  name: string,
  kind: ValueKind,
  where: string,
): void {
  const have = known.get(name);
  if (have === kind) return;
  const names = [...known.entries()].filter(([, k]) => k === kind).map(([n]) => n);
  throw specError(
    where,
    have
      ? `expected "${name}" to be ${kind === 'image' ? 'an image' : `a ${kind} value`} but an earlier step made it ${have}`
      : `refers to "${name}" but no earlier step produces it; known ${kind} values: ${names.join(', ') || 'none'}`,
  );
}

function specError(where: string, message: string): FilterlabError {
  return new FilterlabError('FL_ERR_SPEC_INVALID', `${where}: ${message}`, {
    details: { path: where },
  });
}
