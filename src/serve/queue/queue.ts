import type { JobError, JobRecord, JobStatus, NewJob } from '../jobs.js';

export interface QueueLimits {
  /** Queued jobs of API keys accepted before enqueue answers "queue full" (SYSTEM_OWNER's are not counted). */
  maxDepth: number;
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
  enqueue(job: NewJob): Promise<JobRecord>;
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
  /** Cancel: a queued job ends at once; a running one is flagged for its worker. */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Remove the record (its blobs are the caller's business). */
  remove(id: string): Promise<void>;
  /** Jobs whose lease ran out: retried or failed with FL_ERR_WORKER_CRASHED. Returns them. */
  recoverExpiredLeases(): Promise<JobRecord[]>;
  /** Jobs held by a worker known to be dead: recovered at once, without waiting for the lease. */
  recoverWorker(workerId: string, error: JobError, retryable?: boolean): Promise<JobRecord[]>;
  /** Jobs past their retention time. */
  expired(now: number, limit: number): Promise<JobRecord[]>;
  counts(): Promise<Record<JobStatus, number>>;
  /** Jobs an API key created since a time, including those since deleted (for quotas). */
  countCreatedSince(owner: string, since: number): Promise<number>;
  /** Jobs changed after `rev` (for progress streams and metrics). */
  changedSince(rev: number, limit?: number): Promise<JobRecord[]>;
  close(): Promise<void>;
}
