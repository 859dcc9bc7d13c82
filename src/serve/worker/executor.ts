import type { Logger } from 'pino';
import { FilterlabError, toFilterlabError } from '../../core/errors.js';
import { applyToBytes } from '../../core/filters/apply.js';
import type { Runner } from '../../core/filters/compile.js';
import { MIME_TYPES } from '../../core/image/formats.js';
import { resultKey } from '../storage/blob-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ClaimedJob, JobQueue } from '../queue/queue.js';
import { isRetryable } from '../queue/transitions.js';

/** How one claimed job ended in this worker; 'released': handed back at shutdown. */
export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'released';

/** Where the executor gets a job's compiled filter (a RunnerCache: loaded once, kept warm). */
export interface RunnerSource {
  get(filterId: string): Promise<Runner>;
  /** Whether the filter is loaded already (getting it costs no load). */
  has?(filterId: string): boolean;
}

export interface ExecutorOptions {
  workerId: string;
  leaseMs: number;
  /**
   * The lease a job holds while its filter loads, when it is not loaded yet: ONNX Runtime
   * creates a session synchronously, so heartbeats stop for the whole load. Default: leaseMs.
   */
  loadLeaseMs?: number;
  /** A job's limit once its filter is loaded, unless the filter sets its own `timeoutMs`. */
  jobTimeoutMs: number;
  maxPixels: number;
  /** After a job, stop the loop (to be replaced) when the process RSS is above this; 0: never. */
  recycleRssBytes?: number;
  /**
   * Called when a job is taken (its filter may load next), when its filter is loaded and its
   * timeout starts, and when it ends (the supervisor's watchdog listens).
   */
  onClaim?: (jobId: string) => void;
  onStart?: (jobId: string, timeoutMs: number) => void;
  onDone?: (jobId: string, outcome: JobOutcome, ms: number) => void;
}

/** Takes jobs from the queue and runs them: input blob -> filter -> result blob, with heartbeats. */
export class JobExecutor {
  private wakeIdle: (() => void) | undefined;
  private running: AbortController | undefined;
  private draining = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /** The abort reason of a job handed back at shutdown (released, not failed). */
  private readonly shutdown = new FilterlabError('FL_ERR_ABORTED', 'The worker is shutting down');

  constructor(
    private readonly queue: JobQueue,
    private readonly store: BlobStore,
    private readonly runners: RunnerSource,
    private readonly logger: Logger,
    private readonly options: ExecutorOptions,
  ) {}

  /** Process one job if there is one; false when the queue had nothing runnable. */
  async runOnce(): Promise<boolean> {
    const claim = await this.queue.claim(this.options.workerId, this.options.leaseMs);
    if (!claim) return false;
    // taken while the drain began: back at once, not started
    if (this.draining) await this.queue.release(claim);
    else await this.process(claim);
    return true;
  }

  /**
   * Poll until drained, backing off while idle (`wake` cuts a wait short). Returns 'recycle'
   * when it stopped because the process grew past `recycleRssBytes` after a job.
   */
  async loop(): Promise<'drained' | 'recycle'> {
    let idleMs = 25;
    while (!this.draining) {
      const worked = await this.runOnce().catch((error: unknown) => {
        this.logger.error({ err: error }, 'queue error');
        return false;
      });
      if (worked) {
        idleMs = 25;
        const rss = process.memoryUsage().rss;
        if (this.options.recycleRssBytes && rss > this.options.recycleRssBytes) {
          this.logger.info({ rss, cap: this.options.recycleRssBytes }, 'worker past its RSS cap');
          return 'recycle';
        }
        continue;
      }
      if (this.draining) break;
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
    clearTimeout(this.graceTimer);
    return 'drained';
  }

  /**
   * Stop claiming; a running job gets `graceMs` to finish, then it is aborted and handed back
   * to the queue without spending its attempt. `loop()` returns once nothing runs.
   */
  drain(graceMs: number): void {
    if (this.draining) return;
    this.draining = true;
    this.wakeIdle?.();
    this.graceTimer = setTimeout(() => this.running?.abort(this.shutdown), graceMs);
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
    this.running = controller;
    let cancelled = false;
    let timeout: NodeJS.Timeout | undefined;
    let progress = 0;
    let lastBeat = 0;
    // a filter not loaded yet may hold the event loop for its whole load (ONNX Runtime creates
    // sessions synchronously): the job's lease covers the load limit until it is loaded
    const loads = !this.runners.has?.(job.filter);
    let leaseMs = loads
      ? Math.max(this.options.leaseMs, this.options.loadLeaseMs ?? 0)
      : this.options.leaseMs;
    const beat = async () => {
      lastBeat = Date.now();
      const state = await this.queue
        .heartbeat(claim, progress, leaseMs)
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
      // loading the filter (a diffusion pipeline: seconds to minutes) is not the job's time;
      // the supervisor holds a load to its own limit
      if (loads) await beat();
      const runner = await this.runners.get(job.filter);
      if (loads) {
        leaseMs = this.options.leaseMs;
        await beat();
      }
      if (controller.signal.aborted) throw controller.signal.reason;
      const limitMs = runner.spec.timeoutMs ?? this.options.jobTimeoutMs;
      const whose = runner.spec.timeoutMs ? `filter ${runner.id}'s timeoutMs` : 'the job timeout';
      const deadline = performance.now() + limitMs;
      const timeUp = () =>
        controller.abort(
          new FilterlabError(
            'FL_ERR_TIMEOUT',
            `Expected the job to finish within ${limitMs} ms (${whose}, counted once the filter was loaded) but it did not`,
          ),
        );
      timeout = setTimeout(timeUp, limitMs);
      this.options.onStart?.(job.id, limitMs);
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
      if (reason === this.shutdown) {
        this.logger.info({ job: job.id }, 'job handed back to the queue at shutdown');
        await this.queue.release(claim);
        this.options.onDone?.(job.id, 'released', performance.now() - started);
        return;
      }
      const error = toFilterlabError(reason);
      this.logger.warn({ job: job.id, code: error.code, err: error.message }, 'job attempt failed');
      await this.queue.fail(
        claim,
        { code: error.code, message: error.message },
        isRetryable(error.code),
      );
      this.options.onDone?.(
        job.id,
        cancelled ? 'cancelled' : 'failed',
        performance.now() - started,
      );
    } finally {
      this.running = undefined;
      clearTimeout(timeout);
      clearInterval(ticker);
    }
  }
}
