/**
 * The JSON a bench writes, and reads back as a baseline. zod is its source of truth: the types
 * below are inferred from it, and a baseline file is checked against it.
 */
import { z } from 'zod';

const PercentilesSchema = z.object({
  n: z.number().int(),
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  min: z.number(),
  max: z.number(),
});

const ThroughputSchema = z.object({
  concurrency: z.number().int().positive(),
  runs: z.number().int(),
  seconds: z.number(),
  perSecond: z.number(),
  latency: PercentilesSchema,
});

const LeakSchema = z.object({
  runs: z.number().int(),
  gc: z.enum(['exposed', 'v8-flag', 'unavailable']),
  startRssMb: z.number(),
  endRssMb: z.number(),
  growthMbPer100Runs: z.number(),
  slopeMbPer100Runs: z.number(),
  samples: z.array(z.object({ run: z.number().int(), rssMb: z.number() })),
});

export const SizeResultSchema = z.object({
  /** Long side of the input photo, in pixels. */
  size: z.number().int().positive(),
  input: z.object({ width: z.number().int(), height: z.number().int() }),
  output: z.object({ width: z.number().int(), height: z.number().int() }),
  latency: PercentilesSchema,
  /** CPU ms per run (user + system, all threads): steadier than wall time on a busy machine. */
  cpu: PercentilesSchema,
  steps: z.array(
    z.object({ index: z.number().int(), type: z.string(), latency: PercentilesSchema }),
  ),
  throughput: z.array(ThroughputSchema),
  /** Peak RSS sampled while this size ran (a lower bound of the true peak). */
  sampledPeakRssMb: z.number(),
});

export const BenchReportSchema = z.object({
  kind: z.literal('filterlab-bench'),
  version: z.literal(1),
  date: z.string(),
  filter: z.object({ id: z.string(), versionId: z.string(), source: z.string() }),
  machine: z.object({
    cpu: z.string(),
    cores: z.number().int(),
    memoryMb: z.number(),
    platform: z.string(),
    node: z.string(),
    /** 1-minute load average when the bench started: above the core count, timings are inflated. */
    loadAverage: z.number(),
  }),
  options: z.object({
    photo: z.string(),
    sizes: z.array(z.number().int()),
    runs: z.number().int(),
    warmup: z.number().int(),
    concurrency: z.array(z.number().int()),
    leakRuns: z.number().int(),
    threads: z.number().int().optional(),
  }),
  coldStart: z.object({ size: z.number().int(), compileMs: z.number(), firstRunMs: z.number() }),
  sizes: z.array(SizeResultSchema).min(1),
  memory: z.object({
    /** RSS after the photo was loaded, before the filter was compiled. */
    baselineRssMb: z.number(),
    /** The process's peak RSS (getrusage) at the end of the bench: exact, whole process. */
    peakRssMb: z.number(),
    gc: z.enum(['exposed', 'v8-flag', 'unavailable']),
    leak: LeakSchema.nullable(),
  }),
});

export type BenchReport = z.infer<typeof BenchReportSchema>;
export type SizeResult = z.infer<typeof SizeResultSchema>;
