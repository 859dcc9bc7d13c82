import type { OutputFormat } from '../core/image/formats.js';
import { randomBytes } from 'node:crypto';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * Owner of the jobs the server makes for itself (filter thumbnails): a bounded handful that
 * neither counts against nor is refused by the queue depth meant for API keys' work.
 */
export const SYSTEM_OWNER = 'system';

export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface JobError {
  code: string;
  message: string;
}

/** One user request: an upload, a filter, parameters, a status, a result, an expiry. */
export interface JobRecord {
  id: string;
  /** Output format asked for; default the filter's own. */
  format?: OutputFormat;
  /** API key id that created the job; only it may see the job. */
  owner: string;
  filter: string;
  params: Record<string, unknown>;
  seed: number;
  priority: number;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  progress: number;
  error?: JobError;
  inputKey: string;
  resultKey?: string;
  resultMeta?: Record<string, unknown>;
  idempotencyKey?: string;
  cancelRequested: boolean;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  expiresAt: number;
  /** Monotonic change counter, for watchers. */
  rev: number;
}

/** What enqueue() needs: the request's own fields; the queue adds status, attempts and times. */
export type NewJob = Pick<
  JobRecord,
  | 'id'
  | 'format'
  | 'owner'
  | 'filter'
  | 'params'
  | 'seed'
  | 'priority'
  | 'maxAttempts'
  | 'inputKey'
  | 'idempotencyKey'
  | 'expiresAt'
>;

/** 128 random bits, URL-safe: job ids cannot be guessed or enumerated. */
export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
