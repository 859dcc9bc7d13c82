import type { ErrorCode } from '../../core/errors.js';
import type { JobError, JobStatus } from '../jobs.js';

/**
 * Whether a failed attempt is worth another one, for every error code. Exhaustive on purpose: a
 * new code does not compile until someone decides, so none becomes retryable by accident.
 * Retryable means the same job may succeed on another attempt (a crash, a busy machine); a bad
 * photo, a bad parameter or a missing model fails the same way every time.
 */
export const RETRYABLE: Readonly<Record<ErrorCode, boolean>> = {
  FL_ERR_INVALID_ARGUMENT: false,
  FL_ERR_IMAGE_EMPTY: false,
  FL_ERR_IMAGE_CORRUPT: false,
  FL_ERR_IMAGE_FORMAT: false,
  FL_ERR_HEIC_UNSUPPORTED: false,
  FL_ERR_IMAGE_TOO_LARGE: false,
  FL_ERR_SPEC_INVALID: false,
  FL_ERR_SPEC_PARSE: false,
  FL_ERR_UNKNOWN_STEP: false,
  FL_ERR_UNKNOWN_FILTER: false,
  FL_ERR_PARAM_INVALID: false,
  FL_ERR_MODEL_NOT_FOUND: false,
  FL_ERR_MODEL_MANIFEST: false,
  FL_ERR_MODEL_HASH: false,
  FL_ERR_MODEL_CONTRACT: false,
  FL_ERR_MODEL_LOAD: true,
  FL_ERR_INFERENCE: true,
  FL_ERR_DOWNLOAD: false,
  FL_ERR_NO_FACE: false,
  FL_ERR_DIFFUSION_LAYOUT: false,
  FL_ERR_ABORTED: false,
  FL_ERR_TIMEOUT: false,
  FL_ERR_IO: true,
  FL_ERR_CONFIG: false,
  FL_ERR_DATASET: false,
  FL_ERR_NOT_FOUND: false,
  FL_ERR_NOT_READY: false,
  FL_ERR_CONTENT_TYPE: false,
  FL_ERR_UNAUTHORIZED: false,
  FL_ERR_RATE_LIMITED: false,
  FL_ERR_QUOTA: false,
  FL_ERR_QUEUE_FULL: false,
  FL_ERR_WORKER_CRASHED: true,
  FL_ERR_INTERNAL: true,
};

/** Unknown codes (not ours) are not retried: a job fails rather than loop on a surprise. */
export function isRetryable(code: string): boolean {
  return Object.hasOwn(RETRYABLE, code) && RETRYABLE[code as ErrorCode];
}

/**
 * Retry delay after the n-th failed attempt: 1 s, 2 s, 4 s, 8 s... capped at 5 min. The one
 * backoff of both queues (BullMQ's "exponential" with a 1 s delay is the same curve).
 */
export function backoffMs(attempt: number, baseMs = 1000): number {
  return Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The error of an attempt whose worker died. */
export function crashed(message: string): JobError {
  return { code: 'FL_ERR_WORKER_CRASHED', message };
}

/** What a queue knows of a job whose attempt just ended. */
export interface AttemptState {
  /** Attempts started so far, the one that just ended included. */
  attempts: number;
  maxAttempts: number;
  cancelRequested: boolean;
}

/** How an attempt ended without a result. */
export type AttemptEnd =
  /** It failed: `retryable` from the error (see RETRYABLE), or false to fail at once. */
  | { kind: 'failed'; error: JobError; retryable: boolean }
  /** Its worker is shutting down: back to the queue at once, the attempt not spent. */
  | { kind: 'released' };

/** The job's next state: back to the queue (at `runAt`), or final. */
export type Transition =
  | { status: Extract<JobStatus, 'queued'>; attempts: number; runAt: number; error?: JobError }
  | { status: Extract<JobStatus, 'failed'>; attempts: number; error: JobError }
  | { status: Extract<JobStatus, 'cancelled'>; attempts: number };

/**
 * The one policy for an attempt that ended without a result, used by both queues: a cancel
 * wins; a released attempt is handed back at once and not counted; a retryable failure with
 * attempts left is queued again after the backoff; anything else fails for good.
 */
export function afterAttempt(state: AttemptState, end: AttemptEnd, now: number): Transition {
  if (state.cancelRequested) return { status: 'cancelled', attempts: state.attempts };
  if (end.kind === 'released')
    return { status: 'queued', attempts: Math.max(0, state.attempts - 1), runAt: now };
  if (end.retryable && state.attempts < state.maxAttempts)
    return {
      status: 'queued',
      attempts: state.attempts,
      runAt: now + backoffMs(state.attempts),
      error: end.error,
    };
  return { status: 'failed', attempts: state.attempts, error: end.error };
}
