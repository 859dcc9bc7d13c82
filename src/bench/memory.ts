/** Resident memory: a peak sampler, a forced garbage collection, and a leak check over many runs. */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Runner } from '../core/filters/compile.js';
import type { Image } from '../core/image/image.js';

export type GcSource = 'exposed' | 'v8-flag' | 'unavailable';

export interface Gc {
  collect?: () => void;
  /** exposed: node ran with --expose-gc; v8-flag: enabled at run time; unavailable: RSS includes garbage. */
  source: GcSource;
}

export const MB = 1024 * 1024;

/**
 * A way to force a full collection, so that RSS samples measure live memory rather than garbage
 * awaiting collection. Without --expose-gc, the flag is turned on at run time and a fresh V8
 * context hands out `gc` (the trick Jest's --detectLeaks uses).
 */
export function findGc(): Gc {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return { collect: exposed as () => void, source: 'exposed' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return { collect: gc as () => void, source: 'v8-flag' };
  } catch {
    // some embedders refuse run-time flags: RSS then includes uncollected garbage
  }
  return { source: 'unavailable' };
}

/** Process peak RSS in MB since it started (getrusage ru_maxrss): exact, but never goes down. */
export function processPeakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / MB;
}

export function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

/**
 * Peak RSS over a stretch of work, sampled on a timer and whenever `sample()` is called (between
 * steps: synchronous steps hold the event loop, so the timer alone would miss their peaks).
 */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = 5): this {
    this.sample();
    this.timer = setInterval(this.sample, intervalMs);
    this.timer.unref();
    return this;
  }

  readonly sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  };

  /** Stop sampling; returns the peak in MB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak / MB;
  }
}

export interface LeakCheck {
  runs: number;
  gc: GcSource;
  startRssMb: number;
  endRssMb: number;
  /** (end - start) / runs x 100. */
  growthMbPer100Runs: number;
  /** Least-squares slope over all samples x 100: less sensitive to one noisy sample. */
  slopeMbPer100Runs: number;
  samples: { run: number; rssMb: number }[];
}

/** Run `runs` times after warm-up, sampling RSS (after a forced GC when one is available). */
export async function leakCheck(
  runner: Runner,
  image: Image,
  runs: number,
  o: { gc: Gc; samples?: number },
): Promise<LeakCheck> {
  const every = Math.max(1, Math.floor(runs / (o.samples ?? 10)));
  const measure = (run: number) => {
    o.gc.collect?.();
    return { run, rssMb: rssMb() };
  };
  const samples = [measure(0)];
  for (let run = 1; run <= runs; run++) {
    await runner.run(image);
    if (run % every === 0 || run === runs) samples.push(measure(run));
  }
  const start = samples[0]!.rssMb;
  const end = samples[samples.length - 1]!.rssMb;
  return {
    runs,
    gc: o.gc.source,
    startRssMb: start,
    endRssMb: end,
    growthMbPer100Runs: runs ? ((end - start) / runs) * 100 : 0,
    slopeMbPer100Runs: slope(samples) * 100,
    samples,
  };
}

function slope(points: readonly { run: number; rssMb: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.run, 0) / n;
  const my = points.reduce((a, p) => a + p.rssMb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.run - mx) * (p.rssMb - my);
    den += (p.run - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}
