import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.js';
import { afterAttempt, backoffMs, crashed, isRetryable, RETRYABLE } from './transitions.js';

const NOW = 1_000_000;
const boom = crashed('its worker process exited (SIGKILL) while running it');
const failed = (retryable = true) => ({ kind: 'failed', error: boom, retryable }) as const;

describe('afterAttempt: the one retry policy of both queues', () => {
  it('queues a retryable failure again after the backoff while attempts remain', () => {
    expect(
      afterAttempt({ attempts: 1, maxAttempts: 3, cancelRequested: false }, failed(), NOW),
    ).toEqual({ status: 'queued', attempts: 1, runAt: NOW + 1000, error: boom });
    expect(
      afterAttempt({ attempts: 2, maxAttempts: 3, cancelRequested: false }, failed(), NOW),
    ).toEqual({ status: 'queued', attempts: 2, runAt: NOW + 2000, error: boom });
  });

  it('fails for good on the last attempt, or at once when not retryable', () => {
    expect(
      afterAttempt({ attempts: 3, maxAttempts: 3, cancelRequested: false }, failed(), NOW),
    ).toEqual({ status: 'failed', attempts: 3, error: boom });
    expect(
      afterAttempt({ attempts: 1, maxAttempts: 3, cancelRequested: false }, failed(false), NOW),
    ).toEqual({ status: 'failed', attempts: 1, error: boom });
  });

  it('lets a cancel win over a retry and over a release', () => {
    const state = { attempts: 1, maxAttempts: 3, cancelRequested: true };
    expect(afterAttempt(state, failed(), NOW)).toEqual({ status: 'cancelled', attempts: 1 });
    expect(afterAttempt(state, { kind: 'released' }, NOW)).toEqual({
      status: 'cancelled',
      attempts: 1,
    });
  });

  it('hands a released job back at once without spending its attempt, even the last one', () => {
    expect(
      afterAttempt(
        { attempts: 3, maxAttempts: 3, cancelRequested: false },
        { kind: 'released' },
        NOW,
      ),
    ).toEqual({ status: 'queued', attempts: 2, runAt: NOW });
  });
});

describe('backoffMs', () => {
  it('doubles from 1 s and stops at 5 min', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30)).toBe(300_000);
  });
});

describe('RETRYABLE', () => {
  // that every code is decided is checked by the compiler: RETRYABLE is a Record<ErrorCode, boolean>
  it('retries only crashes and transient faults', () => {
    const retried = (Object.keys(RETRYABLE) as ErrorCode[]).filter((c) => RETRYABLE[c]).sort();
    expect(retried).toEqual([
      'FL_ERR_INFERENCE',
      'FL_ERR_INTERNAL',
      'FL_ERR_IO',
      'FL_ERR_MODEL_LOAD',
      'FL_ERR_WORKER_CRASHED',
    ]);
  });

  it('does not retry a code it does not know', () => {
    expect(isRetryable('FL_ERR_SOMETHING_NEW')).toBe(false);
    expect(isRetryable('toString')).toBe(false);
    expect(isRetryable('FL_ERR_WORKER_CRASHED')).toBe(true);
  });
});
