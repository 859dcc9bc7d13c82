import type { FastifyInstance, FastifyReply } from 'fastify';
import { FilterlabError } from '../../../core/errors.js';
import { resolveParams } from '../../../core/filters/params.js';
import { inspectImage } from '../../../core/image/decode.js';
import { MIME_TYPES } from '../../../core/image/formats.js';
import { stripMetadata } from '../../../core/image/strip-metadata.js';
import { isFinal, newJobId, type JobRecord } from '../../jobs.js';
import { inputKey, resultKey } from '../../storage/blob-store.js';
import type { ServerDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { drainUpload, readUpload } from './upload-form.js';

const DAY = 86_400_000;

const jobIdParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } },
  required: ['id'],
} as const;

/** The job as clients see it. */
export function jobView(job: JobRecord): Record<string, unknown> {
  const base = `/v1/jobs/${job.id}`;
  const meta = job.resultMeta ?? {};
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    filter: job.filter,
    params: job.params,
    seed: job.seed,
    attempts: job.attempts,
    createdAt: new Date(job.createdAt).toISOString(),
    ...(job.startedAt ? { startedAt: new Date(job.startedAt).toISOString() } : {}),
    ...(job.finishedAt ? { finishedAt: new Date(job.finishedAt).toISOString() } : {}),
    expiresAt: new Date(job.expiresAt).toISOString(),
    ...(job.error ? { error: job.error } : {}),
    ...(job.status === 'succeeded'
      ? {
          result: {
            url: `${base}/result`,
            width: meta.width,
            height: meta.height,
            format: (meta.output as { format?: string })?.format,
            versionId: meta.versionId,
            meta,
          },
        }
      : {}),
    links: { self: base, events: `${base}/events`, result: `${base}/result` },
  };
}

export function registerJobRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { queue, store, catalog, config } = deps;
  // open progress streams never finish on their own, so closing the server ends them
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  const owned = async (request: { params: { id: string }; owner: string }): Promise<JobRecord> => {
    const job = await queue.get(request.params.id);
    if (!job || job.owner !== request.owner) throw notFound('job');
    return job;
  };

  app.post<{ Headers: { 'idempotency-key'?: string } }>(
    '/v1/jobs',
    {
      schema: {
        summary:
          'Create a job: multipart upload with fields image (file), filter, params (JSON), seed',
        consumes: ['multipart/form-data'],
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', maxLength: 128 } },
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new FilterlabError(
          'FL_ERR_CONTENT_TYPE',
          `Expected multipart/form-data but received ${request.headers['content-type'] ?? 'no Content-Type'}`,
        );
      }
      const idempotencyKey = request.headers['idempotency-key'];
      if (idempotencyKey) {
        const existing = await queue.findByIdempotencyKey(request.owner, idempotencyKey);
        if (existing) {
          await drainUpload(request, config.maxUploadBytes);
          return reply.status(200).send(jobView(existing));
        }
      }
      const upload = await readUpload(request, config.maxUploadBytes);
      if (!upload.filter)
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          'Expected a "filter" field with a filter id but received none',
        );
      const { spec } = catalog.get(upload.filter);
      const params = resolveParams(spec.params, upload.params, spec.id);
      if (!upload.image)
        throw new FilterlabError(
          'FL_ERR_IMAGE_EMPTY',
          'Expected an "image" file field but received none',
        );
      const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxPixels };
      await inspectImage(upload.image, { name: 'upload', limits });
      const key = deps.keys.get(request.owner);
      // priority is the key's to give: a client may lower its jobs' priority, not raise it
      const maxPriority = key?.maxPriority ?? 0;
      if ((upload.priority ?? 0) > maxPriority)
        throw new FilterlabError(
          'FL_ERR_INVALID_ARGUMENT',
          `Expected priority at most ${maxPriority} for this API key but received ${upload.priority}`,
        );
      // counted and inserted in one atomic step by enqueue: concurrent uploads cannot overrun it
      const quota = key?.quotaPerDay ?? config.quotaPerDay;

      const id = newJobId();
      // stored without EXIF/GPS/XMP: where a photo was taken is never kept at rest
      const stored = await stripMetadata(upload.image, { name: 'upload', limits });
      await store.put(inputKey(id), stored.bytes, MIME_TYPES[stored.format]);
      let job: JobRecord;
      try {
        job = await queue.enqueue(
          {
            id,
            owner: request.owner,
            filter: spec.id,
            params,
            seed: upload.seed ?? 0,
            priority: upload.priority ?? 0,
            ...(upload.format ? { format: upload.format } : {}),
            maxAttempts: config.maxAttempts,
            inputKey: inputKey(id),
            ...(idempotencyKey ? { idempotencyKey } : {}),
            expiresAt: Date.now() + config.retentionMs,
          },
          { quota: { limit: quota, windowMs: DAY } },
        );
      } catch (error) {
        await store.delete(inputKey(id));
        // a concurrent request with the same idempotency key won the race: answer with its job
        const winner = idempotencyKey
          ? await queue.findByIdempotencyKey(request.owner, idempotencyKey)
          : undefined;
        if (winner) return reply.status(200).send(jobView(winner));
        throw error;
      }
      deps.jobQueued?.();
      deps.metrics.count('filterlab_jobs_created_total', { filter: spec.id }, 1, 'Jobs accepted');
      return reply.status(202).header('location', `/v1/jobs/${id}`).send(jobView(job));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    { schema: { summary: 'Job status and progress', params: jobIdParams } },
    async (request) => jobView(await owned(request)),
  );

  app.get<{ Params: { id: string }; Querystring: { download?: string } }>(
    '/v1/jobs/:id/result',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'The result image (?download=<name> to save it under that name)',
        params: jobIdParams,
        querystring: {
          type: 'object',
          properties: { download: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const job = await owned(request);
      const { download } = request.query;
      if (job.status !== 'succeeded' || !job.resultKey) {
        throw new FilterlabError(
          'FL_ERR_NOT_READY',
          `Expected a succeeded job but job is ${job.status}${job.error ? ` (${job.error.code})` : ''}`,
          {
            details: { status: job.status, ...(job.error ? { error: job.error } : {}) },
          },
        );
      }
      const blob = await store.get(job.resultKey);
      if (!blob) throw notFound('result (it expired or was deleted)');
      return reply
        .header('content-type', blob.contentType)
        .header('cache-control', 'private, max-age=3600')
        .header(
          'content-disposition',
          download
            ? attachment(download)
            : `inline; filename="${job.filter}-${job.id.slice(0, 8)}${extension(blob.contentType)}"`,
        )
        .send(blob.bytes);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/events',
    {
      config: { rateLimit: false },
      schema: { summary: 'Progress as server-sent events', params: jobIdParams },
    },
    async (request, reply) => {
      const job = await owned(request);
      streamEvents(deps, job, reply, streams);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a job, keeping its record: a queued one at once, a running one soon',
        params: jobIdParams,
      },
    },
    async (request, reply) => {
      const job = await owned(request);
      const after = isFinal(job.status) ? job : await queue.cancel(job.id);
      return reply.status(202).send(jobView(after ?? job));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { rateLimit: false },
      schema: { summary: 'Cancel a job and delete its files', params: jobIdParams },
    },
    async (request, reply) => {
      const job = await owned(request);
      if (!isFinal(job.status)) await queue.cancel(job.id);
      // the result key, not job.resultKey: a running job's worker may store it meanwhile
      await store.delete(job.inputKey);
      await store.delete(resultKey(job.id));
      await queue.remove(job.id);
      return reply.status(204).send();
    },
  );
}

function streamEvents(
  deps: ServerDeps,
  job: JobRecord,
  reply: FastifyReply,
  streams: Set<() => void>,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let lastRev = -1;
  const send = (j: JobRecord) => {
    if (j.rev <= lastRev) return;
    lastRev = j.rev;
    res.write(
      `event: ${isFinal(j.status) ? j.status : 'progress'}\ndata: ${JSON.stringify(jobView(j))}\n\n`,
    );
    if (isFinal(j.status)) close();
  };
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const unsubscribe = deps.watcher.subscribe(job.id, send);
  const close = () => {
    clearInterval(keepAlive);
    unsubscribe();
    streams.delete(close);
    res.end();
  };
  streams.add(close);
  res.on('close', close);
  send(job);
  // a change made between reading the job and subscribing would otherwise never be sent
  void deps.queue.get(job.id).then(
    (latest) => {
      if (latest && !res.writableEnded) send(latest);
    },
    () => undefined,
  );
}

function extension(contentType: string): string {
  return (
    { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'image/avif': '.avif' }[
      contentType
    ] ?? ''
  );
}

/** Save under the name the client chose: an ASCII fallback and the UTF-8 name (RFC 6266). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\/]/g, '_');
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
