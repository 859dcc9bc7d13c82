import type { Logger } from 'pino';
import { FilterlabError, toFilterlabError, type ErrorCode } from '../../core/errors.js';
import { applyToBytes } from '../../core/filters/apply.js';
import { MIME_TYPES } from '../../core/image/formats.js';
import { resultKey } from '../storage/blob-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ClaimedJob, JobQueue } from '../queue/queue.js';
import type { RunnerCache } from './runner-cache.js';

export interface ExecutorOptions {
  workerId: string;
  leaseMs: number;
  jobTimeoutMs: number;
  maxPixels: number;
  /** Called when a job is taken and when it ends (the supervisor's watchdog listens). */
  onClaim?: (jobId: string) => void;
  onDone?: (jobId: string, outcome: 'succeeded' | 'failed' | 'cancelled', ms: number) => void;
}

/** Errors that will not go away on a retry: the job fails at once. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FL_ERR_IMAGE_EMPTY',
  'FL_ERR_IMAGE_CORRUPT',
  'FL_ERR_IMAGE_FORMAT',
  'FL_ERR_HEIC_UNSUPPORTED',
  'FL_ERR_IMAGE_TOO_LARGE',
  'FL_ERR_IMAGE_TOO_SMALL',
  'FL_ERR_PARAM_INVALID',
  'FL_ERR_UNKNOWN_FILTER',
  'FL_ERR_SPEC_INVALID',
  'FL_ERR_UNKNOWN_STEP',
  'FL_ERR_NO_FACE',
  'FL_ERR_MODEL_NOT_FOUND',
  'FL_ERR_MODEL_HASH',
  'FL_ERR_MODEL_CONTRACT',
  'FL_ERR_TIMEOUT',
  'FL_ERR_ABORTED',
  'FL_ERR_NOT_FOUND',
]);

/** Takes jobs from the queue and runs them: input blob -> filter -> result blob, with heartbeats. */
export class JobExecutor {
  private wakeIdle: (() => void) | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: BlobStore,
    private readonly runners: RunnerCache,
    private readonly logger: Logger,
    private readonly options: ExecutorOptions,
  ) {}

  /** Process one job if there is one; false when the queue had nothing runnable. */
  async runOnce(): Promise<boolean> {
    const claim = await this.queue.claim(this.options.workerId, this.options.leaseMs);
    if (!claim) return false;
    await this.process(claim);
    return true;
  }

  /** Poll until the signal aborts, backing off while idle (`wake` cuts a wait short). */
  async loop(signal: AbortSignal): Promise<void> {
    let idleMs = 25;
    while (!signal.aborted) {
      const worked = await this.runOnce().catch((error: unknown) => {
        this.logger.error({ err: error }, 'queue error');
        return false;
      });
      if (worked) {
        idleMs = 25;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakeIdle = undefined;
          resolve();
        };
        const timer = setTimeout(done, idleMs);
        this.wakeIdle = done;
      });
      idleMs = Math.min(250, idleMs * 2);
    }
  }

  /**
   * A job was queued: an idle loop looks now instead of after its backoff, which would
   * otherwise add up to 250 ms to a job that runs in 50.
   */
  wake(): void {
    this.wakeIdle?.();
  }

  private async process(claim: ClaimedJob): Promise<void> {
    const { job } = claim;
    const started = performance.now();
    this.options.onClaim?.(job.id);
    const controller = new AbortController();
    let cancelled = false;
    const deadline = started + this.options.jobTimeoutMs;
    const timeUp = () =>
      controller.abort(
        new FilterlabError(
          'FL_ERR_TIMEOUT',
          `Expected the job to finish within ${this.options.jobTimeoutMs} ms but it did not`,
        ),
      );
    const timeout = setTimeout(timeUp, this.options.jobTimeoutMs);
    let progress = 0;
    let lastBeat = 0;
    const beat = async () => {
      lastBeat = Date.now();
      const state = await this.queue
        .heartbeat(claim, progress, this.options.leaseMs)
        .catch(() => ({ lost: false, cancelRequested: false }));
      if (state.lost || state.cancelRequested) {
        cancelled = true;
        controller.abort(
          new FilterlabError(
            'FL_ERR_ABORTED',
            state.lost ? 'The job lease was lost' : 'The job was cancelled',
          ),
        );
      }
    };
    const ticker = setInterval(() => void beat(), Math.max(250, this.options.leaseMs / 3));
    try {
      const input = await this.store.get(job.inputKey);
      if (!input)
        throw new FilterlabError(
          'FL_ERR_NOT_FOUND',
          `The upload of job ${job.id} is gone (deleted or expired)`,
        );
      const runner = await this.runners.get(job.filter);
      const result = await applyToBytes(runner, input.bytes, `upload ${job.id}`, {
        params: job.params,
        seed: job.seed,
        ...(job.format ? { format: job.format } : {}),
        limits: { maxPixels: this.options.maxPixels },
        signal: controller.signal,
        onProgress: (p) => {
          progress = p.fraction;
          // CPU-bound steps hold the event loop from one to the next, so the timer above
          // cannot fire while they run: the deadline is checked here too, between steps
          if (performance.now() > deadline && !controller.signal.aborted) timeUp();
          if (Date.now() - lastBeat > 250) void beat();
        },
      });
      // a cancel that arrived during the last step is honoured: no result for a cancelled job
      await beat();
      if (controller.signal.aborted) throw controller.signal.reason;
      const key = resultKey(job.id);
      await this.store.put(key, result.bytes, MIME_TYPES[result.format]);
      await this.queue.complete(claim, {
        resultKey: key,
        meta: {
          ...result.meta,
          width: result.width,
          height: result.height,
          timings: result.timings,
        },
      });
      // deleted while it ran: its result must not outlive it
      if (!(await this.queue.get(job.id))) await this.store.delete(key);
      this.options.onDone?.(job.id, 'succeeded', performance.now() - started);
    } catch (raw) {
      const reason = controller.signal.aborted ? controller.signal.reason : raw;
      const error = toFilterlabError(reason);
      const retryable = !PERMANENT.has(error.code);
      this.logger.warn({ job: job.id, code: error.code, err: error.message }, 'job attempt failed');
      await this.queue.fail(claim, { code: error.code, message: error.message }, retryable);
      this.options.onDone?.(
        job.id,
        cancelled ? 'cancelled' : 'failed',
        performance.now() - started,
      );
    } finally {
      clearTimeout(timeout);
      clearInterval(ticker);
    }
  }
}
