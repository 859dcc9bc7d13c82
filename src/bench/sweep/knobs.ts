/**
 * Sweep knobs: `--sweep name=v1,v2`. A name is one of the performance knobs below, a parameter
 * of the filter, or an option of some of its step types (a diffusion step's `steps`, `maxSide`):
 * each value is set on every step whose type has that option.
 *
 * | knob      | sets, on every step that has the option                             |
 * | --------- | ------------------------------------------------------------------- |
 * | threads   | `threads` (ONNX Runtime intra-op threads: onnx.image, diffusion)    |
 * | ep        | `executionProviders`; `cuda+cpu` lists two                          |
 * | graph     | `graphOptimization`: disabled, basic, extended, all                 |
 * | tile      | `tile` and `fit: tile`: `512`, `512:32` (size:overlap), or `none`   |
 * | size      | (no option) the input photo's long side, in pixels                  |
 * | precision | onnx.image `model`, converted by `models optimize`: fp32, fp16, fp16-weights, int8, int8-integer |
 */
import type { z } from 'zod';
import { FilterlabError } from '../../core/errors.js';
import { resolveParams } from '../../core/filters/params.js';
import type { FilterSpec, StepSpec } from '../../core/filters/spec.js';
import { defaultSteps } from '../../core/filters/builtin-steps.js';
import type { StepRegistry } from '../../core/steps/registry.js';
import { PRECISIONS, type Precision } from '../optimize/optimize-model.js';

/** Runtime knobs and the step option each one sets. */
export const RUNTIME_KNOBS = {
  threads: 'threads',
  ep: 'executionProviders',
  graph: 'graphOptimization',
  tile: 'tile',
} as const;
export const INPUT_KNOBS = ['size', 'precision'] as const;
const ONNX_STEP = 'onnx.image';
const RESERVED = new Set(['type', 'input', 'output']);

export type KnobKind = 'runtime' | 'size' | 'precision' | 'param' | 'option';

export interface Knob {
  name: string;
  kind: KnobKind;
  values: string[];
}

/** One point of the grid: a value for every knob. */
export type SweepPoint = Record<string, string>;

export interface AppliedPoint {
  spec: FilterSpec;
  /** Parameter overrides (strings, coerced by the runner). */
  params: Record<string, string>;
  size: number | undefined;
  precision: Precision | undefined;
}

export function parseKnobs(
  args: readonly string[],
  spec: FilterSpec,
  steps: StepRegistry = defaultSteps(),
): Knob[] {
  const knobs: Knob[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = arg.slice(0, eq).trim();
    const values = arg
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim());
    if (eq <= 0 || values.some((v) => v === '')) {
      throw usage(`Expected --sweep name=value1,value2 but received ${JSON.stringify(arg)}`);
    }
    if (knobs.some((k) => k.name === name))
      throw usage(`Expected each knob once but --sweep ${name} is given twice`);
    const knob = { name, kind: classify(name, spec, steps), values };
    for (const value of values) checkValue(knob, value, spec, steps);
    knobs.push(knob);
  }
  return knobs;
}

/** Every combination of knob values, in the order the knobs were given. */
export function gridPoints(knobs: readonly Knob[]): SweepPoint[] {
  return knobs.reduce<SweepPoint[]>(
    (points, knob) => points.flatMap((p) => knob.values.map((v) => ({ ...p, [knob.name]: v }))),
    [{}],
  );
}

export function applyPoint(
  spec: FilterSpec,
  knobs: readonly Knob[],
  point: SweepPoint,
  steps: StepRegistry = defaultSteps(),
): AppliedPoint {
  const out: AppliedPoint = {
    spec: structuredClone(spec),
    params: {},
    size: undefined,
    precision: undefined,
  };
  for (const knob of knobs) {
    const value = point[knob.name];
    if (value === undefined) continue;
    if (knob.kind === 'param') out.params[knob.name] = value;
    else if (knob.kind === 'size') out.size = Number(value);
    else if (knob.kind === 'precision') out.precision = value as Precision;
    else if (knob.kind === 'runtime')
      for (const step of stepsWith(out.spec, runtimeOption(knob.name), steps))
        setRuntimeKnob(step, knob.name, value);
    else
      for (const step of stepsWith(out.spec, knob.name, steps))
        step[knob.name] = optionValue(value);
  }
  return out;
}

export function onnxSteps(spec: FilterSpec): StepSpec[] {
  return spec.steps.filter((s) => s.type === ONNX_STEP);
}

/** The spec's steps whose type has the option `key`. */
function stepsWith(spec: FilterSpec, key: string, steps: StepRegistry): StepSpec[] {
  return spec.steps.filter((s) => optionSchema(s.type, key, steps) !== undefined);
}

/** The zod schema of option `key` of a step type, if the type has it. */
function optionSchema(type: string, key: string, steps: StepRegistry): z.ZodType | undefined {
  if (RESERVED.has(key) || !steps.has(type)) return undefined;
  const shape = (steps.get(type).options as { shape?: Record<string, z.ZodType> }).shape;
  return shape && Object.hasOwn(shape, key) ? shape[key] : undefined;
}

function runtimeOption(name: string): string {
  return RUNTIME_KNOBS[name as keyof typeof RUNTIME_KNOBS];
}

function setRuntimeKnob(step: StepSpec, name: string, value: string): void {
  switch (name) {
    case 'threads':
      step.threads = Number(value);
      return;
    case 'ep':
      step.executionProviders = value.split('+');
      return;
    case 'graph':
      step.graphOptimization = value;
      return;
    case 'tile': {
      if (value === 'none') {
        delete step.tile;
        if (step.fit === 'tile') step.fit = 'auto';
        return;
      }
      const [size, overlap] = value.split(':').map(Number);
      const old = step.tile as { overlap?: number } | undefined;
      step.tile = { size, overlap: overlap ?? old?.overlap ?? 16 };
      step.fit = 'tile';
    }
  }
}

/** A step option's value from its text: a number, a boolean, or the text itself. */
function optionValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

function classify(name: string, spec: FilterSpec, steps: StepRegistry): KnobKind {
  const types = spec.steps.map((s) => s.type).join(', ');
  if (name === 'precision') {
    if (onnxSteps(spec).length) return 'precision';
    throw usage(
      `Expected filter ${spec.id} to have an ${ONNX_STEP} step for --sweep precision but its steps are ${types}`,
    );
  }
  if (name in RUNTIME_KNOBS) {
    const option = runtimeOption(name);
    if (stepsWith(spec, option, steps).length) return 'runtime';
    throw usage(
      `Expected filter ${spec.id} to have a step with a \`${option}\` option (onnx.image, diffusion) for --sweep ${name} but its steps are ${types}`,
    );
  }
  if (name === 'size') return 'size';
  if (name in spec.params) return 'param';
  if (stepsWith(spec, name, steps).length) return 'option';
  const known = [...Object.keys(RUNTIME_KNOBS), ...INPUT_KNOBS, ...Object.keys(spec.params)];
  throw usage(
    `Expected a knob (${known.join(', ')}) or an option of one of ${spec.id}'s steps (${types}) but received ${JSON.stringify(name)}`,
  );
}

function checkValue(knob: Knob, value: string, spec: FilterSpec, steps: StepRegistry): void {
  const bad = (what: string) =>
    usage(`Expected ${what} for --sweep ${knob.name} but received ${JSON.stringify(value)}`);
  switch (knob.kind) {
    case 'size':
      if (!/^\d+$/.test(value) || Number(value) < 16) throw bad('a long side in pixels (>= 16)');
      return;
    case 'precision':
      if (!(PRECISIONS as readonly string[]).includes(value)) throw bad(PRECISIONS.join(', '));
      return;
    case 'param':
      resolveParams(spec.params, { [knob.name]: value }, spec.id);
      return;
    case 'runtime': {
      const option = runtimeOption(knob.name);
      const step = stepsWith(spec, option, steps)[0]!;
      const schema = optionSchema(step.type, option, steps)!;
      if (!runtimeValueOk(knob.name, value, schema))
        throw bad(RUNTIME_HINT[knob.name] ?? 'a value');
      return;
    }
    case 'option':
      return; // checked by compile, against each step's own schema
  }
}

const RUNTIME_HINT: Record<string, string> = {
  threads: 'a thread count (1-256)',
  ep: 'execution providers joined by + (cpu, cuda, coreml, dml, tensorrt, webgpu)',
  graph: 'disabled, basic, extended or all',
  tile: 'none, a tile size, or size:overlap',
};

function runtimeValueOk(name: string, value: string, schema: z.ZodType): boolean {
  if (name === 'threads') return schema.safeParse(Number(value)).success;
  if (name === 'ep') return schema.safeParse(value.split('+')).success;
  if (name === 'graph') return schema.safeParse(value).success;
  return value === 'none' || /^\d+(:\d+)?$/.test(value);
}

function usage(message: string): FilterlabError {
  return new FilterlabError('FL_ERR_INVALID_ARGUMENT', message);
}
