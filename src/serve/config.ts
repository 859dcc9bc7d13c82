import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { FilterlabError } from '../core/errors.js';
import { parseWith } from '../core/util/parse-with.js';

const HOUR = 3_600_000;

export const ServerConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Folder for the queue database, stored blobs and API keys. */
  dataDir: z.string().default('.filterlab'),
  /** Worker processes started by `serve` (0 with --no-workers: the API only). */
  workers: z.number().int().min(0).max(64).default(1),
  /** "sqlite" (embedded, default) or a redis:// URL. */
  queue: z.string().default('sqlite'),
  /** "local" (files under dataDir, default) or s3://bucket/prefix. */
  storage: z.string().default('local'),
  /** Uploads and results are deleted this long after the job was created. */
  retentionMs: z
    .number()
    .int()
    .positive()
    .default(24 * HOUR),
  maxUploadBytes: z
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  maxPixels: z.number().int().positive().default(40_000_000),
  /** Queued jobs beyond which uploads get 503 + Retry-After. */
  maxQueueDepth: z.number().int().positive().default(200),
  /** How long a job may run once its filter is loaded (a filter's `timeoutMs` replaces it). */
  jobTimeoutMs: z.number().int().positive().default(120_000),
  /** How long a worker may take to load a filter's models (not counted in the job's timeout). */
  loadTimeoutMs: z.number().int().positive().default(600_000),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  leaseMs: z.number().int().positive().default(30_000),
  /** On SIGTERM, running jobs get this long to finish; the rest go back to the queue unspent. */
  shutdownGraceMs: z.number().int().min(0).default(30_000),
  /** A worker whose RSS is above this many MB after a job is replaced by a fresh one (0: never). */
  workerRecycleRssMb: z.number().int().min(0).default(2048),
  /** Per-worker memory cap for loaded models (MB of RSS); least recently used filters are unloaded beyond it. */
  workerMemoryMb: z.number().int().positive().default(4096),
  /** Open mode: no API key needed. Default: on for a loopback host, off otherwise. */
  open: z.boolean().optional(),
  /** Open mode on an address other machines reach: refused unless this says it is meant. */
  openPublic: z.boolean().default(false),
  /** Requests per minute per API key. */
  rateLimitPerMinute: z.number().int().positive().default(120),
  /** Jobs per day per API key. */
  quotaPerDay: z.number().int().positive().default(5000),
  /** Extra folders of filter specs to offer besides the built-ins. */
  filtersDirs: z.array(z.string()).default([]),
  /** Photo used to render filter thumbnails. */
  samplePhoto: z.string().optional(),
  /** Folder of lab runs listed by the web app. */
  runsDir: z.string().default('runs'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

export function parseServerConfig(input: ServerConfigInput): ServerConfig {
  const config = parseWith(
    ServerConfigSchema,
    input,
    'FL_ERR_CONFIG',
    'Invalid server configuration',
  );
  if (config.open && !isLoopback(config.host) && !config.openPublic)
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected open mode only on a loopback address but received host ${config.host}: anyone who reaches it could upload photos and read lab reports without a key. Use API keys (filterlab keys create), or add --open-public ($FILTERLAB_OPEN_PUBLIC=1) if that is really meant`,
    );
  return config;
}

const Hours = z.coerce.number().finite().positive();

/** Hours given as text ("24", "0.5") in milliseconds; anything else is an FL_ERR_CONFIG naming `source`. */
export function hoursToMs(value: string | number, source: string): number {
  const parsed = Hours.safeParse(typeof value === 'string' && !value.trim() ? Number.NaN : value);
  if (!parsed.success)
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `Expected ${source} to be a positive number of hours (e.g. 24 or 0.5) but received ${JSON.stringify(String(value))}`,
    );
  return Math.max(1, Math.round(parsed.data * HOUR));
}

/**
 * Settings from the environment: PORT, HOST, FILTERLAB_DATA, _WORKERS, _QUEUE, _STORAGE,
 * _RETENTION_HOURS, _OPEN, _OPEN_PUBLIC, _SAMPLE_PHOTO, _RUNS, _MAX_QUEUE_DEPTH, _RATE_LIMIT_PER_MINUTE,
 * _QUOTA_PER_DAY, _MAX_UPLOAD_BYTES, _MAX_PIXELS, _JOB_TIMEOUT_MS, _LOAD_TIMEOUT_MS,
 * _MAX_ATTEMPTS, _LOG_LEVEL.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfigInput {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const out: ServerConfigInput = {};
  const set = <K extends keyof ServerConfigInput>(k: K, v: ServerConfigInput[K] | undefined) => {
    if (typeof v === 'number' && Number.isNaN(v))
      throw new FilterlabError(
        'FL_ERR_CONFIG',
        `Expected a number in the environment variable for ${k} but received text that is not one`,
      );
    if (v !== undefined) out[k] = v;
  };
  set('port', num(env.PORT));
  set('host', env.HOST);
  set('dataDir', env.FILTERLAB_DATA);
  set('workers', num(env.FILTERLAB_WORKERS));
  set('queue', env.FILTERLAB_QUEUE);
  set('storage', env.FILTERLAB_STORAGE);
  if (env.FILTERLAB_RETENTION_HOURS)
    set('retentionMs', hoursToMs(env.FILTERLAB_RETENTION_HOURS, '$FILTERLAB_RETENTION_HOURS'));
  set('open', flag(env.FILTERLAB_OPEN));
  set('openPublic', flag(env.FILTERLAB_OPEN_PUBLIC));
  set('samplePhoto', env.FILTERLAB_SAMPLE_PHOTO);
  set('runsDir', env.FILTERLAB_RUNS);
  // limits an operator tunes without code; a bad value is reported by parseServerConfig
  set('maxQueueDepth', num(env.FILTERLAB_MAX_QUEUE_DEPTH));
  set('rateLimitPerMinute', num(env.FILTERLAB_RATE_LIMIT_PER_MINUTE));
  set('quotaPerDay', num(env.FILTERLAB_QUOTA_PER_DAY));
  set('maxUploadBytes', num(env.FILTERLAB_MAX_UPLOAD_BYTES));
  set('maxPixels', num(env.FILTERLAB_MAX_PIXELS));
  set('jobTimeoutMs', num(env.FILTERLAB_JOB_TIMEOUT_MS));
  set('loadTimeoutMs', num(env.FILTERLAB_LOAD_TIMEOUT_MS));
  set('maxAttempts', num(env.FILTERLAB_MAX_ATTEMPTS));
  set('leaseMs', num(env.FILTERLAB_LEASE_MS));
  set('shutdownGraceMs', num(env.FILTERLAB_SHUTDOWN_GRACE_MS));
  set('workerRecycleRssMb', num(env.FILTERLAB_WORKER_RECYCLE_RSS_MB));
  set('logLevel', env.FILTERLAB_LOG_LEVEL as ServerConfigInput['logLevel']);
  return out;
}

function flag(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === '1' || value === 'true';
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function openMode(config: ServerConfig): boolean {
  return config.open ?? isLoopback(config.host);
}

export function dataPath(config: ServerConfig, ...parts: string[]): string {
  return path.resolve(config.dataDir, ...parts);
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}
