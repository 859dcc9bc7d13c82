/** Cold start: compiling a filter (loading its models) and its first run, in a fresh context. */
import type { Context } from '../core/context.js';
import { compile, type Runner } from '../core/filters/compile.js';
import type { FilterSpec } from '../core/filters/spec.js';
import type { Image } from '../core/image/image.js';

export interface ColdStart {
  /** compile(): spec checks, model files verified and loaded, sessions created. */
  compileMs: number;
  /** The first run after compile, which pays for lazy allocations and JIT warm-up. */
  firstRunMs: number;
}

export async function measureColdStart(
  spec: FilterSpec,
  baseDir: string,
  ctx: Context,
  image: Image,
): Promise<{ runner: Runner; coldStart: ColdStart }> {
  const t0 = performance.now();
  const runner = await compile(spec, ctx, { baseDir });
  const t1 = performance.now();
  try {
    await runner.run(image);
  } catch (error) {
    await runner.dispose();
    throw error;
  }
  const t2 = performance.now();
  return { runner, coldStart: { compileMs: t1 - t0, firstRunMs: t2 - t1 } };
}
