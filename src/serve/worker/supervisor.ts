import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import type { JobQueue } from '../queue/queue.js';
import { crashed } from '../queue/transitions.js';
import { loadingJob, overrun, runningJob, type WatchedJob } from './job-watch.js';
import type { SupervisorMessage, WorkerMessage } from './worker-process.js';

export interface SupervisorEvents {
  onJobDone?: (outcome: string, ms: number) => void;
  onRestart?: (workerId: string, reason: string) => void;
  /** A worker past its RSS cap after a job was replaced by a fresh one. */
  onRecycle?: (workerId: string, rss: number) => void;
}

interface Slot {
  workerId: string;
  child: ChildProcess;
  job: WatchedJob | undefined;
  ready: boolean;
  /** RSS it reported when it asked to be replaced. */
  recycledAt?: number;
}

/**
 * Runs the worker processes of `filterlab serve`: inference never runs in the HTTP process, so
 * a model that crashes or runs out of memory takes down one worker. The supervisor then hands
 * the worker's job back to the queue (retried, or failed after maxAttempts with
 * FL_ERR_WORKER_CRASHED) and starts a new worker. A job that overruns its timeout (the filter's
 * `timeoutMs` or the server's, counted once its filter is loaded) by a grace period, or whose
 * filter takes longer than the load limit to load, gets its worker killed (native code cannot
 * always be interrupted) and fails with FL_ERR_TIMEOUT. A worker past its RSS cap after a job
 * exits and is replaced (a recycle, not a crash). On stop, workers drain: they get the shutdown
 * grace to finish their jobs, and a job still held after it goes back to the queue without
 * spending its attempt.
 */
export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private watchdog: NodeJS.Timeout | undefined;
  /** Workers killed by the watchdog, with the reason their job fails with. */
  private readonly killedForTimeout = new Map<string, string>();
  restarts = 0;
  recycles = 0;
  private failedStarts = 0;

  constructor(
    private readonly config: ServerConfig,
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    private readonly events: SupervisorEvents = {},
  ) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.config.workers }, () => this.spawn()));
    this.watchdog = setInterval(() => this.checkTimeouts(), 1000);
    this.watchdog.unref();
  }

  get alive(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** Jobs were queued: idle workers look at once rather than at their next poll. */
  wake(): void {
    const message: SupervisorMessage = { type: 'wake' };
    for (const slot of this.slots)
      if (slot.ready && !slot.job && slot.child.connected) slot.child.send(message, () => {});
  }

  /** The job each busy worker holds, as the watchdog sees it (phase, since, limit). */
  get watched(): WatchedJob[] {
    return this.slots.flatMap((s) => (s.job ? [{ ...s.job }] : []));
  }

  get pids(): number[] {
    return this.slots.map((s) => s.child.pid ?? 0);
  }

  private spawn(): Promise<void> {
    const workerId = `w-${randomBytes(4).toString('hex')}`;
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(
      fromSource ? './worker-process.ts' : './worker-process.js',
      import.meta.url,
    );
    const child = fork(entry, [], {
      env: {
        ...process.env,
        FILTERLAB_WORKER_CONFIG: JSON.stringify({ config: this.config, workerId }),
      },
      execArgv: [
        ...(fromSource ? ['--import', 'tsx'] : []),
        `--max-old-space-size=${this.config.workerMemoryMb}`,
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const slot: Slot = { workerId, child, job: undefined, ready: false };
    this.slots.push(slot);
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') slot.ready = true;
      else if (m.type === 'claimed') slot.job = loadingJob(m.jobId, this.config.loadTimeoutMs);
      else if (m.type === 'started') slot.job = runningJob(m.jobId, m.timeoutMs);
      else if (m.type === 'recycle') slot.recycledAt = m.rss;
      else if (m.type === 'done') {
        slot.job = undefined;
        this.events.onJobDone?.(m.outcome, m.ms);
      }
    });
    child.on('exit', (code, signal) => void this.onExit(slot, code, signal));
    return new Promise((resolve) => {
      const ready = (m: WorkerMessage) => {
        if (m.type !== 'ready') return;
        child.off('message', ready);
        resolve();
      };
      child.on('message', ready);
      child.once('exit', () => resolve());
    });
  }

  private async onExit(
    slot: Slot,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    this.slots.splice(this.slots.indexOf(slot), 1);
    if (this.stopping) return;
    if (slot.recycledAt !== undefined && code === 0) {
      this.recycles++;
      this.logger.info({ worker: slot.workerId, rss: slot.recycledAt }, 'worker recycled');
      this.events.onRecycle?.(slot.workerId, slot.recycledAt);
      await this.spawn();
      return;
    }
    const overran = this.killedForTimeout.get(slot.workerId);
    this.killedForTimeout.delete(slot.workerId);
    const timedOut = overran !== undefined;
    const reason =
      overran ?? `its worker process exited (${signal ?? `code ${code}`}) while running it`;
    this.logger.warn(
      { worker: slot.workerId, code, signal, job: slot.job?.id },
      'worker exited; restarting',
    );
    const error = timedOut ? { code: 'FL_ERR_TIMEOUT', message: reason } : crashed(reason);
    // a timeout is not worth retrying; a crash may be (out of memory on a busy machine)
    const end = { kind: 'failed', error, retryable: !timedOut } as const;
    await this.queue.recoverWorker(slot.workerId, end).catch((e: unknown) => {
      this.logger.error({ err: e }, 'could not recover the jobs of a dead worker');
    });
    if (this.stopping) return; // stop() came while the jobs were recovered
    this.restarts++;
    this.events.onRestart?.(slot.workerId, reason);
    // a worker that dies before it ever became ready (bad config, missing model) is started
    // again with a growing delay rather than in a tight loop
    if (!slot.ready) {
      this.failedStarts++;
      await new Promise((r) =>
        setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(6, this.failedStarts - 1))),
      );
      if (this.stopping) return;
    } else this.failedStarts = 0;
    await this.spawn();
  }

  private checkTimeouts(): void {
    for (const slot of this.slots) {
      const reason = slot.job && overrun(slot.job);
      if (slot.job && reason) {
        this.logger.error(
          { worker: slot.workerId, job: slot.job.id, phase: slot.job.phase },
          'job overran its limit; killing its worker',
        );
        this.killedForTimeout.set(slot.workerId, reason);
        slot.job = undefined;
        slot.child.kill('SIGKILL');
      }
    }
  }

  /**
   * Drain the workers (SIGTERM: they stop claiming, finish or hand back their jobs within the
   * shutdown grace). One that has not exited a few seconds after the grace is killed, and its
   * jobs go back to the queue at once, their attempts not spent.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    const killAfterMs = this.config.shutdownGraceMs + 5000;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null) return resolve();
            const kill = setTimeout(() => s.child.kill('SIGKILL'), killAfterMs);
            s.child.once('exit', (_code, signal) => {
              clearTimeout(kill);
              if (signal !== 'SIGKILL') return resolve();
              this.queue
                .recoverWorker(s.workerId, { kind: 'released' })
                .catch((e: unknown) => this.logger.error({ err: e }, 'could not release jobs'))
                .finally(resolve);
            });
            s.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
