import { isFinal, type JobRecord } from '../jobs.js';
import type { JobQueue } from '../queue/queue.js';

type Listener = (job: JobRecord) => void;

/**
 * Follows job changes in the queue (whatever process made them) and tells subscribers: the
 * progress streams and the metrics. One poll serves every open stream.
 */
export class JobWatcher {
  private rev = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly finishedListeners = new Set<Listener>();
  private polling = false;
  private pollAgain = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly intervalMs = 150,
  ) {}

  async start(): Promise<void> {
    // start from the newest change: history is not replayed into the metrics
    for (;;) {
      const batch = await this.queue.changedSince(this.rev, 5000);
      if (!batch.length) break;
      this.rev = batch[batch.length - 1]!.rev;
    }
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  subscribe(jobId: string, listener: Listener): () => void {
    const set = this.listeners.get(jobId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(jobId);
    };
  }

  onFinished(listener: Listener): void {
    this.finishedListeners.add(listener);
  }

  /** A change is known to have been made (a local worker finished a job): look now. */
  poke(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      const changed = await this.queue.changedSince(this.rev);
      for (const job of changed) {
        this.rev = Math.max(this.rev, job.rev);
        for (const l of this.listeners.get(job.id) ?? []) l(job);
        if (isFinal(job.status)) for (const l of this.finishedListeners) l(job);
      }
    } catch {
      // the next poll retries; a closed queue during shutdown lands here
    } finally {
      this.polling = false;
      if (this.pollAgain) {
        this.pollAgain = false;
        void this.poll();
      }
    }
  }
}
