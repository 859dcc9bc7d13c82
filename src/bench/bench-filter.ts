/**
 * `filterlab bench <filter>`: cold start, warm latency per size (whole filter and each step),
 * throughput at each concurrency, peak RSS and RSS growth over many runs.
 */
import type { Context } from '../core/context.js';
import type { LoadedSpec } from '../core/filters/load.js';
import type { Image } from '../core/image/image.js';
import type { BenchReport, SizeResult } from './bench-report.js';
import { measureColdStart } from './cold-start.js';
import { measureLatency } from './latency.js';
import { describeMachine } from './machine.js';
import { findGc, leakCheck, processPeakRssMb, rssMb, RssSampler } from './memory.js';
import { atLongSide } from './photos.js';
import { measureThroughput } from './throughput.js';
import type { Runner } from '../core/filters/compile.js';

export interface BenchOptions {
  /** Where the photo came from, for the record. */
  photo: string;
  image: Image;
  /** Long sides to scale the photo to. */
  sizes: readonly number[];
  runs: number;
  warmup: number;
  concurrency: readonly number[];
  /** Runs of the leak check (at the smallest size); 0 skips it. */
  leakRuns: number;
  /** ONNX Runtime threads, as set in the context's session options (recorded only). */
  threads?: number;
  onProgress?: (message: string) => void;
}

export async function benchFilter(
  loaded: LoadedSpec,
  ctx: Context,
  o: BenchOptions,
): Promise<BenchReport> {
  const sizes = [...o.sizes];
  const gc = findGc();
  gc.collect?.();
  const baselineRssMb = rssMb();
  o.onProgress?.(`compiling ${loaded.spec.id}`);
  const { runner, coldStart } = await measureColdStart(
    loaded.spec,
    loaded.baseDir,
    ctx,
    atLongSide(o.image, sizes[0]!),
  );
  try {
    const results: SizeResult[] = [];
    for (const size of sizes) {
      o.onProgress?.(`${loaded.spec.id} at ${size}px`);
      results.push(await benchSize(runner, atLongSide(o.image, size), size, o));
    }
    const smallest = Math.min(...sizes);
    if (o.leakRuns > 0) o.onProgress?.(`leak check: ${o.leakRuns} runs at ${smallest}px`);
    const leak =
      o.leakRuns > 0
        ? await leakCheck(runner, atLongSide(o.image, smallest), o.leakRuns, { gc })
        : null;
    return {
      kind: 'filterlab-bench',
      version: 1,
      date: new Date().toISOString(),
      filter: { id: loaded.spec.id, versionId: runner.versionId, source: loaded.source },
      machine: describeMachine(),
      options: {
        photo: o.photo,
        sizes,
        runs: o.runs,
        warmup: o.warmup,
        concurrency: [...o.concurrency],
        leakRuns: o.leakRuns,
        ...(o.threads ? { threads: o.threads } : {}),
      },
      coldStart: { size: sizes[0]!, ...coldStart },
      sizes: results,
      memory: { baselineRssMb, peakRssMb: processPeakRssMb(), gc: gc.source, leak },
    };
  } finally {
    await runner.dispose();
  }
}

async function benchSize(
  runner: Runner,
  image: Image,
  size: number,
  o: BenchOptions,
): Promise<SizeResult> {
  const sampler = new RssSampler().start();
  try {
    const latency = await measureLatency(runner, image, {
      runs: o.runs,
      warmup: o.warmup,
      onTick: sampler.sample,
    });
    const throughput = [];
    for (const c of o.concurrency)
      throughput.push(await measureThroughput(runner, image, c, o.runs));
    return {
      size,
      input: { width: image.width, height: image.height },
      output: latency.output,
      latency: latency.total,
      cpu: latency.cpu,
      steps: latency.steps,
      throughput,
      sampledPeakRssMb: sampler.stop(),
    };
  } finally {
    sampler.stop();
  }
}
