import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { defaultParams } from '../../../core/filters/params.js';
import { inspectImage } from '../../../core/image/decode.js';
import { MIME_TYPES } from '../../../core/image/formats.js';
import { packageRoot } from '../../../core/package-root.js';
import type { FilterCatalog } from '../../catalog.js';
import type { ServerConfig } from '../../config.js';
import { newJobId } from '../../jobs.js';
import type { JobQueue } from '../../queue/queue.js';
import { inputKey, type BlobStore } from '../../storage/blob-store.js';
import type { ServerDeps } from '../app.js';
import { notFound } from '../errors.js';

const SYSTEM_OWNER = 'system';

/**
 * Example thumbnails of every filter, rendered by the workers like any job (the HTTP process
 * runs no inference) from a sample portrait, and re-rendered when they expire.
 */
export class Thumbnails {
  private readonly jobs = new Map<string, string>();

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
    const sample = this.samplePath();
    if (!sample) return;
    const bytes = await readFile(sample);
    const header = await inspectImage(bytes);
    for (const { spec } of this.catalog.all()) {
      const id = newJobId();
      await this.store.put(inputKey(id), bytes, MIME_TYPES[header.format]);
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
        .then(
          () => this.jobs.set(spec.id, id),
          () => this.store.delete(inputKey(id)),
        );
    }
  }

  async get(filterId: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
    const id = this.jobs.get(filterId);
    const job = id ? await this.queue.get(id) : undefined;
    return job?.status === 'succeeded' && job.resultKey ? this.store.get(job.resultKey) : undefined;
  }
}

export function registerFilterRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(
    '/v1/filters',
    { schema: { summary: 'Filters with their parameter schemas and thumbnails' } },
    async () => ({
      filters: deps.catalog.all().map(({ spec }) => ({
        id: spec.id,
        version: spec.version,
        name: spec.name ?? spec.id,
        description: spec.description ?? '',
        tags: spec.tags,
        requires: spec.requires,
        params: spec.params,
        thumbnail: `/v1/filters/${spec.id}/thumbnail`,
      })),
    }),
  );

  app.get(
    '/v1/filters/:id/thumbnail',
    {
      schema: {
        summary: 'Example of the filter on a sample portrait',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      deps.catalog.get(id);
      const thumb = await deps.thumbnails.get(id);
      if (!thumb) throw notFound('thumbnail yet (it is being rendered)');
      return reply
        .header('content-type', thumb.contentType)
        .header('cache-control', 'public, max-age=600')
        .send(thumb.bytes);
    },
  );
}
