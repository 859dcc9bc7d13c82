import { FilterlabError } from '../../core/errors.js';
import type { JobError, JobRecord, JobStatus, NewJob } from '../jobs.js';
import type { AttemptEnd } from './transitions.js';

export interface QueueLimits {
  /** Queued jobs of API keys accepted before enqueue answers "queue full" (SYSTEM_OWNER's are not counted). */
  maxDepth: number;
}

/** A per-key quota that enqueue checks in the same atomic step as the insert. */
export interface Quota {
  /** Jobs the key may create within the window (deleted ones included). */
  limit: number;
  windowMs: number;
}

export interface EnqueueOptions {
  /** Refuse with FL_ERR_QUOTA when the owner already created `limit` jobs in the window. */
  quota?: Quota;
}

export interface ReconcileOptions {
  /** Look at every job, not only those marked as being enqueued (at start: older versions' damage). */
  everyJob?: boolean;
}

export interface ClaimedJob {
  job: JobRecord;
  /** Proof of the lease: heartbeats and results must present it. */
  token: string;
}

/**
 * The job queue behind the server: an embedded SQLite implementation and a BullMQ one share
 * this contract. Leases expire unless heartbeated, so a job held by a dead worker goes back to
 * the queue (or fails after maxAttempts), and nothing accepted is lost.
 */
export interface JobQueue {
  /**
   * Add a job in one atomic step: the depth limit, the quota, the idempotency key, the record,
   * its expiry and its place in the queue are all written, or none is.
   */
  enqueue(job: NewJob, options?: EnqueueOptions): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined>;
  /** Take the next runnable job: highest priority, then the API key with the fewest running jobs. */
  claim(workerId: string, leaseMs: number): Promise<ClaimedJob | undefined>;
  /** Extend the lease and record progress; `lost` when the lease is gone (reclaimed or deleted). */
  heartbeat(
    claim: ClaimedJob,
    progress: number,
    leaseMs: number,
  ): Promise<{ lost: boolean; cancelRequested: boolean }>;
  complete(
    claim: ClaimedJob,
    result: { resultKey: string; meta: Record<string, unknown> },
  ): Promise<void>;
  /** Record a failed attempt: queued again after a backoff when retryable and attempts remain. */
  fail(claim: ClaimedJob, error: JobError, retryable: boolean): Promise<JobRecord | undefined>;
  /** Hand a held job back at once without spending its attempt (its worker is shutting down). */
  release(claim: ClaimedJob): Promise<JobRecord | undefined>;
  /** Cancel: a queued job ends at once; a running one is flagged for its worker. */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Remove the record (its blobs are the caller's business). */
  remove(id: string): Promise<void>;
  /** Jobs whose lease ran out: retried or failed with FL_ERR_WORKER_CRASHED. Returns them. */
  recoverExpiredLeases(): Promise<JobRecord[]>;
  /**
   * Jobs held by a worker known to be dead or stopped: ended at once as `end` says (a failed
   * attempt, or released without spending it), without waiting for the lease.
   */
  recoverWorker(workerId: string, end: AttemptEnd): Promise<JobRecord[]>;
  /**
   * Repair what a process killed mid-step left behind (a queued record with nothing to run it).
   * Steps younger than `minAgeMs` may still be finishing in a live process and are left alone.
   * Returns the number of jobs repaired.
   */
  reconcile(minAgeMs: number, options?: ReconcileOptions): Promise<number>;
  /** Jobs past their retention time. */
  expired(now: number, limit: number): Promise<JobRecord[]>;
  counts(): Promise<Record<JobStatus, number>>;
  /** Jobs an API key created since a time, including those since deleted (for quotas). */
  countCreatedSince(owner: string, since: number): Promise<number>;
  /** Jobs changed after `rev` (for progress streams and metrics). */
  changedSince(rev: number, limit?: number): Promise<JobRecord[]>;
  close(): Promise<void>;
}

/** The refusal of an enqueue past the depth limit, the same from both queues. */
export function queueFull(depth: number, maxDepth: number): FilterlabError {
  return new FilterlabError(
    'FL_ERR_QUEUE_FULL',
    `Expected fewer than ${maxDepth} queued jobs but the queue holds ${depth}`,
    { details: { depth, maxDepth } },
  );
}

/** The refusal of an enqueue past the owner's quota, the same from both queues. */
export function quotaExceeded(quota: Quota, used: number): FilterlabError {
  const hours = Math.round((quota.windowMs / 3_600_000) * 100) / 100;
  return new FilterlabError(
    'FL_ERR_QUOTA',
    `Expected at most ${quota.limit} jobs per ${hours} h for this key; ${used} were created in the last ${hours} h`,
    { details: { limit: quota.limit, used, windowMs: quota.windowMs } },
  );
}
