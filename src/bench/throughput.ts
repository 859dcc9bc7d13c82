/** Throughput with several runs in flight on one runner (runners are concurrency-safe). */
import type { Runner } from '../core/filters/compile.js';
import type { Image } from '../core/image/image.js';
import { percentiles, type Percentiles } from './percentiles.js';

export interface ThroughputPoint {
  concurrency: number;
  runs: number;
  seconds: number;
  /** Completed runs per second of wall time. */
  perSecond: number;
  /** Latency of each run while the others were in flight. */
  latency: Percentiles;
}

/** `runs` calls (at least two per lane) spread over `concurrency` lanes that each await one at a time. */
export async function measureThroughput(
  runner: Runner,
  image: Image,
  concurrency: number,
  runs: number,
): Promise<ThroughputPoint> {
  const total = Math.max(runs, concurrency * 2);
  const times: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next++;
      const started = performance.now();
      await runner.run(image);
      times.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency,
    runs: total,
    seconds,
    perSecond: total / seconds,
    latency: percentiles(times),
  };
}
