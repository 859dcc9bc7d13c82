/** The `precision` knob: point a spec's onnx.image steps at converted copies of their models. */
import path from 'node:path';
import type { Context } from '../../core/context.js';
import { FilterlabError } from '../../core/errors.js';
import { paramRef } from '../../core/filters/params.js';
import type { FilterSpec } from '../../core/filters/spec.js';
import { optimizeModel, type Precision } from '../optimize/optimize-model.js';
import { onnxSteps } from './knobs.js';

/**
 * Converts each model once per precision into `workDir` (remembered in `made`) and returns the
 * spec with absolute model paths. fp32 returns the spec unchanged.
 */
export async function withPrecision(
  spec: FilterSpec,
  baseDir: string,
  precision: Precision,
  ctx: Context,
  workDir: string,
  made: Map<string, Promise<string>>,
): Promise<FilterSpec> {
  if (precision === 'fp32') return spec;
  const out = structuredClone(spec);
  for (const step of onnxSteps(out)) {
    const ref = step.model;
    if (typeof ref !== 'string' || paramRef(ref) !== undefined) {
      throw new FilterlabError(
        'FL_ERR_INVALID_ARGUMENT',
        `Expected onnx.image model to be a model id or folder for --sweep precision but received ${JSON.stringify(ref)}`,
      );
    }
    const model = await ctx.models.resolve(ref, baseDir);
    const key = `${model.hash}:${precision}`;
    let dir = made.get(key);
    if (!dir) {
      const outDir = path.join(
        workDir,
        `${model.manifest.id}-${model.hash.slice(0, 8)}-${precision}`,
      );
      dir = optimizeModel(model, { precision, outDir }).then((m) => m.dir);
      made.set(key, dir);
    }
    step.model = await dir;
  }
  return out;
}
