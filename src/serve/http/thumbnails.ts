import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultParams } from '../../core/filters/params.js';
import { inspectImage } from '../../core/image/decode.js';
import { MIME_TYPES } from '../../core/image/formats.js';
import { packageRoot } from '../../core/package-root.js';
import type { FilterCatalog } from '../catalog.js';
import type { ServerConfig } from '../config.js';
import { newJobId, SYSTEM_OWNER } from '../jobs.js';
import type { JobQueue } from '../queue/queue.js';
import { inputKey, type BlobStore } from '../storage/blob-store.js';

/**
 * Example thumbnails of every filter, rendered by the workers like any job (the HTTP process
 * runs no inference) from a sample portrait, and re-rendered when they expire.
 */
export class Thumbnails {
  private readonly jobs = new Map<string, string>();
  private sample: { bytes: Buffer; contentType: string } | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly queue: JobQueue,
    private readonly store: BlobStore,
    private readonly catalog: FilterCatalog,
  ) {}

  samplePath(): string | undefined {
    const candidates = [
      this.config.samplePhoto,
      path.resolve(packageRoot(), '..', 'shared', 'data', 'faces-dev', 'B001231.jpg'),
    ];
    return candidates.find((c): c is string => Boolean(c && existsSync(c)));
  }

  async start(): Promise<void> {
    const file = this.samplePath();
    if (!file) return;
    const bytes = await readFile(file);
    const header = await inspectImage(bytes);
    this.sample = { bytes, contentType: MIME_TYPES[header.format] };
    for (const { spec } of this.catalog.all()) await this.render(spec.id);
  }

  private async render(filterId: string): Promise<void> {
    if (!this.sample) return;
    const { spec } = this.catalog.get(filterId);
    const id = newJobId();
    this.jobs.set(filterId, id); // before any await: concurrent requests render it once
    await this.store.put(inputKey(id), this.sample.bytes, this.sample.contentType);
    await this.queue
      .enqueue({
        id,
        owner: SYSTEM_OWNER,
        filter: spec.id,
        params: defaultParams(spec.params),
        seed: 0,
        priority: -5,
        maxAttempts: 1,
        inputKey: inputKey(id),
        expiresAt: Date.now() + this.config.retentionMs,
      })
      .catch(async () => {
        if (this.jobs.get(filterId) === id) this.jobs.delete(filterId);
        await this.store.delete(inputKey(id));
      });
  }

  /** Whether a thumbnail can be fetched now, is on its way, or will not come (no sample photo, or the filter failed on it). */
  async status(filterId: string): Promise<'ready' | 'rendering' | 'unavailable'> {
    const id = this.jobs.get(filterId);
    if (!id) return this.samplePath() ? 'rendering' : 'unavailable';
    const job = await this.queue.get(id);
    if (job?.status === 'succeeded') return 'ready';
    return job?.status === 'failed' || job?.status === 'cancelled' ? 'unavailable' : 'rendering';
  }

  async get(filterId: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
    const id = this.jobs.get(filterId);
    const job = id ? await this.queue.get(id) : undefined;
    // swept after the retention time like any job: render it again for the next request
    if (id && !job && this.jobs.get(filterId) === id) void this.render(filterId).catch(() => {});
    return job?.status === 'succeeded' && job.resultKey ? this.store.get(job.resultKey) : undefined;
  }
}
