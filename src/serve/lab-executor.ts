import { FilterlabError, type ErrorCode } from '../core/errors.js';
import { decodeImage } from '../core/image/decode.js';
import { encodeImage } from '../core/image/encode.js';
import type { LabExecutor } from '../lab/run/runner.js';
import { isFinal, newJobId, SYSTEM_OWNER, type JobRecord } from './jobs.js';
import type { JobQueue } from './queue/queue.js';
import { inputKey, type BlobStore } from './storage/blob-store.js';

/**
 * Runs the lab's filter calls on the queue's workers (`filterlab eval --queue …`): each photo x
 * variant x seed becomes a job; outputs come back losslessly (PNG) and are scored here. The
 * workers must run the same filter version as the lab compiled, which every result is checked
 * against, so a sharded run measures exactly what it says.
 */
export class QueueLabExecutor implements LabExecutor {
  readonly local = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: BlobStore,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async run(...[runner, variant, item, image, seed]: Parameters<LabExecutor['run']>) {
    const id = newJobId();
    await this.store.put(inputKey(id), await encodeImage(image, { format: 'png' }), 'image/png');
    try {
      await this.queue.enqueue({
        id,
        owner: SYSTEM_OWNER,
        filter: runner.spec.id,
        params: runner.resolveParams(variant.params),
        seed,
        priority: -1,
        maxAttempts: 3,
        inputKey: inputKey(id),
        format: 'png',
        expiresAt: Date.now() + 6 * 3_600_000,
      });
      const job = await this.waitFor(id, item.file);
      if (job.status !== 'succeeded' || !job.resultKey) {
        throw new FilterlabError(
          (job.error?.code ?? 'FL_ERR_INTERNAL') as ErrorCode,
          job.error?.message ?? `job ${job.status}`,
        );
      }
      const meta = job.resultMeta ?? {};
      if (meta.versionId !== runner.versionId) {
        throw new FilterlabError(
          'FL_ERR_CONFIG',
          `Expected the workers to run ${runner.spec.id} version ${runner.versionId} (what this lab compiled) but they ran ${String(meta.versionId)}; deploy the same spec and models to both`,
        );
      }
      const blob = await this.store.get(job.resultKey);
      if (!blob)
        throw new FilterlabError('FL_ERR_NOT_FOUND', `The result of lab job ${id} is gone`);
      const timings = meta.timings as { runMs?: number } | undefined;
      return {
        image: (await decodeImage(blob.bytes)).image,
        latencyMs: timings?.runMs ?? NaN,
        peakRssMb: NaN,
      };
    } finally {
      const job = await this.queue.get(id);
      await this.store.delete(inputKey(id));
      if (job?.resultKey) await this.store.delete(job.resultKey);
      if (job && !isFinal(job.status)) await this.queue.cancel(id);
      await this.queue.remove(id);
    }
  }

  private async waitFor(id: string, file: string): Promise<JobRecord> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 10 * 60_000);
    let wait = 50;
    for (;;) {
      const job = await this.queue.get(id);
      if (!job)
        throw new FilterlabError(
          'FL_ERR_NOT_FOUND',
          `Lab job ${id} for ${file} disappeared from the queue`,
        );
      if (isFinal(job.status)) return job;
      if (Date.now() > deadline)
        throw new FilterlabError(
          'FL_ERR_TIMEOUT',
          `Expected lab job ${id} for ${file} to finish within ${this.options.timeoutMs ?? 600_000} ms; are any workers running?`,
        );
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(500, wait * 1.5);
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.store.close();
  }
}
