import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import path from 'node:path';
import type { Logger } from 'pino';
import { FilterlabError, isFilterlabError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';
import { FILTERLAB_VERSION } from '../../core/version.js';
import type { FilterCatalog } from '../catalog.js';
import { openMode, type ServerConfig } from '../config.js';
import type { JobQueue } from '../queue/queue.js';
import type { BlobStore } from '../storage/blob-store.js';
import { OPEN_OWNER, RateLimiter, type ApiKeys } from './api-keys.js';
import { errorBody, HTTP_STATUS } from './errors.js';
import type { JobWatcher } from './job-watcher.js';
import type { Metrics } from './metrics.js';
import { registerFilterRoutes, type Thumbnails } from './routes/filters.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerSystemRoutes } from './routes/system.js';

export interface ServerDeps {
  config: ServerConfig;
  queue: JobQueue;
  store: BlobStore;
  catalog: FilterCatalog;
  keys: ApiKeys;
  watcher: JobWatcher;
  metrics: Metrics;
  logger: Logger;
  thumbnails: Thumbnails;
  /** Number of live workers this process supervises, for readiness; undefined with --no-workers. */
  workersAlive?: () => number;
  /** Told after a job is queued, to wake this process's idle workers. */
  jobQueued?: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    owner: string;
  }
}

/** The HTTP API and the web app; no inference happens here (workers do it). */
export async function buildApp(deps: ServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'filterlab API',
        version: FILTERLAB_VERSION,
        description: 'AI photo filters as a service',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key (fl_...)' },
        },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: config.maxUploadBytes,
      files: 1,
      fields: 10,
      fieldSize: 64 * 1024,
      parts: 12,
    },
  });
  await app.register(fastifyStatic, {
    root: path.join(packageRoot(), 'web'),
    prefix: '/',
    index: ['index.html'],
  });

  app.decorateRequest('owner', '');
  const limiter = new RateLimiter();
  const open = openMode(config);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    request.owner = authenticate(request, deps.keys, open);
    const entry =
      request.owner === OPEN_OWNER
        ? undefined
        : deps.keys.list().find((k) => k.id === request.owner);
    // example thumbnails are cheap, cached reads that a gallery fetches many of at once
    if (request.method === 'GET' && /^\/v1\/filters\/[^/]+\/thumbnail/.test(request.url)) return;
    // in open mode every visitor is "open": give each address its own bucket
    const bucket = request.owner === OPEN_OWNER ? `${OPEN_OWNER}:${request.ip}` : request.owner;
    const wait = limiter.take(bucket, entry?.rateLimitPerMinute ?? config.rateLimitPerMinute);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new FilterlabError(
        'FL_ERR_RATE_LIMITED',
        `Expected at most ${entry?.rateLimitPerMinute ?? config.rateLimitPerMinute} requests per minute; retry in ${wait} s`,
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.count(
      'filterlab_http_requests_total',
      { route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      1,
      'HTTP requests by route and status',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const e = toHttpError(error, config.maxUploadBytes);
    if (e.status >= 500) request.log.error({ err: error }, 'request failed');
    if (e.error.code === 'FL_ERR_QUEUE_FULL' && !reply.getHeader('retry-after'))
      reply.header('retry-after', '5');
    void reply.status(e.status).send(errorBody(e.error));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(
        errorBody(
          new FilterlabError(
            'FL_ERR_NOT_FOUND',
            `No route ${request.method} ${request.url.split('?')[0]}`,
          ),
        ),
      );
  });

  registerJobRoutes(app, deps);
  registerFilterRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerSystemRoutes(app, deps);
  return app;
}

function authenticate(request: FastifyRequest, keys: ApiKeys, open: boolean): string {
  const header = request.headers.authorization;
  const presented = header?.startsWith('Bearer ')
    ? header.slice(7).trim()
    : (request.headers['x-api-key'] as string | undefined);
  if (presented) {
    const entry = keys.find(presented);
    if (entry) return entry.id;
    throw new FilterlabError(
      'FL_ERR_UNAUTHORIZED',
      'Expected a valid API key but the one presented is unknown or revoked',
    );
  }
  if (open) return OPEN_OWNER;
  throw new FilterlabError(
    'FL_ERR_UNAUTHORIZED',
    'Expected an API key in "Authorization: Bearer <key>" or "X-API-Key" but received none',
  );
}

function toHttpError(
  error: unknown,
  maxUploadBytes: number,
): { status: number; error: FilterlabError } {
  if (isFilterlabError(error)) return { status: HTTP_STATUS[error.code] ?? 500, error };
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (
    e.code === 'FST_REQ_FILE_TOO_LARGE' ||
    e.code === 'FST_FILES_LIMIT' ||
    e.code === 'FST_PARTS_LIMIT'
  ) {
    return {
      status: 413,
      error: new FilterlabError(
        'FL_ERR_IMAGE_TOO_LARGE',
        e.code === 'FST_REQ_FILE_TOO_LARGE'
          ? `Expected an upload of at most ${maxUploadBytes} bytes (${(maxUploadBytes / 2 ** 20).toFixed(0)} MB) but received more`
          : `Expected one image file per request: ${e.message ?? 'too many parts'}`,
      ),
    };
  }
  if (e.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || e.statusCode === 415) {
    return {
      status: 415,
      error: new FilterlabError(
        'FL_ERR_CONTENT_TYPE',
        'Expected multipart/form-data with an "image" file field',
      ),
    };
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      error: new FilterlabError('FL_ERR_INVALID_ARGUMENT', e.message ?? 'bad request'),
    };
  }
  return {
    status: 500,
    error: new FilterlabError('FL_ERR_INTERNAL', 'Internal error; the cause is logged'),
  };
}
