/** Warm latency of a compiled filter: the whole run and each step, after warm-up runs. */
import type { RunOptions, Runner } from '../core/filters/compile.js';
import type { Image } from '../core/image/image.js';
import { percentiles, type Percentiles } from './percentiles.js';

export interface LatencyOptions {
  runs: number;
  warmup: number;
  run?: Pick<RunOptions, 'params' | 'seed' | 'signal'>;
  /** Called between steps and after each run: where a memory sampler looks. */
  onTick?: () => void;
}

export interface StepLatency {
  index: number;
  type: string;
  latency: Percentiles;
}

export interface LatencyResult {
  /** Milliseconds of `runner.run`, one value per measured run. */
  total: Percentiles;
  /**
   * CPU milliseconds (user + system, all threads of the process) per run: steadier than wall
   * time on a shared machine, and what a run costs whoever pays for the cores.
   */
  cpu: Percentiles;
  steps: StepLatency[];
  output: { width: number; height: number };
}

export async function measureLatency(
  runner: Runner,
  image: Image,
  o: LatencyOptions,
): Promise<LatencyResult> {
  const runOptions: RunOptions = { ...o.run, ...(o.onTick ? { onProgress: o.onTick } : {}) };
  for (let i = 0; i < o.warmup; i++) await runner.run(image, runOptions);
  const totals: number[] = [];
  const cpu: number[] = [];
  const steps: { type: string; ms: number[] }[] = [];
  let output = { width: 0, height: 0 };
  for (let i = 0; i < o.runs; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runner.run(image, runOptions);
    totals.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
    o.onTick?.();
    result.timings.forEach((t, index) => {
      steps[index] ??= { type: t.type, ms: [] };
      steps[index].ms.push(t.ms);
    });
    output = { width: result.image.width, height: result.image.height };
  }
  return {
    total: percentiles(totals),
    cpu: percentiles(cpu),
    steps: steps.map((s, index) => ({ index, type: s.type, latency: percentiles(s.ms) })),
    output,
  };
}
