/**
 * Write a sweep point as a filter variant spec: the original spec with the point's knob values
 * applied, under a suffixed id, so that the lab can validate it and the server can run it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { writeAtomic } from '../../core/util/atomic-write.js';
import type { LoadedSpec } from '../../core/filters/load.js';
import { validateSpec } from '../../core/filters/load.js';
import type { FilterSpec, StepSpec } from '../../core/filters/spec.js';
import { isPathRef } from '../../core/models/store.js';
import type { Context } from '../../core/context.js';
import { applyPoint, type Knob } from './knobs.js';
import { withPrecision } from './precision-models.js';
import type { SweepPointResult } from './sweep-report.js';

export interface VariantOptions {
  /** Resolves the spec's models when the point converts them (precision knob). */
  ctx: Context;
  /** Suffix of the new id: `<id>-<suffix>`. Default "fast". */
  suffix?: string;
}

/** Options that hold paths relative to the spec's folder. */
const PATH_OPTIONS = ['model', 'file'];

export async function writeVariant(
  loaded: LoadedSpec,
  knobs: readonly Knob[],
  point: SweepPointResult,
  file: string,
  o: VariantOptions,
): Promise<FilterSpec> {
  const target = path.resolve(file);
  const outDir = path.dirname(target);
  const id = `${loaded.spec.id}-${o.suffix ?? 'fast'}`;
  const applied = applyPoint(loaded.spec, knobs, point.knobs);
  // Converted models go beside the variant, which refers to them by relative path.
  const spec = applied.precision
    ? await withPrecision(
        applied.spec,
        loaded.baseDir,
        applied.precision,
        o.ctx,
        path.join(outDir, `${id}.models`),
        new Map(),
      )
    : applied.spec;
  spec.id = id;
  for (const [name, value] of Object.entries(applied.params)) {
    const param = spec.params[name]!;
    (param as { default: unknown }).default = coerce(param.type, value);
  }
  for (const step of spec.steps) rebasePaths(step, loaded.baseDir, outDir);
  if (applied.size) spec.steps.unshift({ type: 'resize', maxSide: applied.size });
  spec.description = [
    loaded.spec.description,
    `Variant of ${loaded.spec.id} chosen by filterlab bench: ${point.label}` +
      (point.latency ? ` (p50 ${point.latency.p50.toFixed(1)} ms` : '') +
      (point.quality ? `, SSIM ${point.quality.ssim.toFixed(4)} vs the default)` : ')') +
      (applied.size
        ? `; photos larger than ${applied.size} px on the long side are scaled down to it first.`
        : ''),
  ]
    .filter(Boolean)
    .join('. ');
  const checked = validateSpec(JSON.parse(JSON.stringify(spec)), target);
  await mkdir(outDir, { recursive: true });
  await writeAtomic(target, YAML.stringify(checked));
  return checked;
}

function coerce(type: string, value: string): unknown {
  if (type === 'number' || type === 'integer') return Number(value);
  if (type === 'boolean') return value === 'true' || value === '1';
  return value;
}

/**
 * Relative model folders and files must still resolve from where the variant is written; paths
 * into the variant's own folder (converted models) are written relative to it.
 */
function rebasePaths(step: StepSpec, from: string, to: string): void {
  for (const key of PATH_OPTIONS) {
    const value = step[key];
    if (typeof value !== 'string' || !isPathRef(value) || value.startsWith('$')) continue;
    const abs = path.resolve(from, value);
    const rel = path.relative(to, abs);
    if (path.isAbsolute(value) && (rel.startsWith('..') || path.isAbsolute(rel))) continue;
    const posix = rel.split(path.sep).join('/');
    step[key] = posix.startsWith('.') ? posix : `./${posix}`;
  }
}
