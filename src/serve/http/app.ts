import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import path from 'node:path';
import { FilterlabError, isFilterlabError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';
import { FILTERLAB_VERSION } from '../../core/version.js';
import { installAccessGuard, makeRoutesPublic } from './access.js';
import type { ServerDeps } from './deps.js';
import { errorBody, HTTP_STATUS } from './errors.js';
import { registerFilterRoutes } from './routes/filters.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerSystemRoutes } from './routes/system.js';
import { UPLOAD_LIMITS } from './routes/upload-form.js';
import { Sessions } from './sessions.js';

export type { ServerDeps } from './deps.js';

/** The HTTP API and the web app; no inference happens here (workers do it). */
export async function buildApp(deps: ServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  const sessions = new Sessions();
  installAccessGuard(app, deps, sessions);
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
    limits: { fileSize: config.maxUploadBytes, ...UPLOAD_LIMITS },
  });
  // the web app's files are public: it asks for a key when the API answers 401
  await app.register(async (scope) => {
    makeRoutesPublic(scope);
    await scope.register(fastifyStatic, {
      root: path.join(packageRoot(), 'web'),
      prefix: '/',
      index: ['index.html'],
    });
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
    const e = toHttpError(error);
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
  registerSessionRoutes(app, sessions);
  return app;
}

/** Errors as HTTP answers; upload-form.ts has already turned multipart faults into FilterlabErrors. */
function toHttpError(error: unknown): { status: number; error: FilterlabError } {
  if (isFilterlabError(error)) return { status: HTTP_STATUS[error.code] ?? 500, error };
  const e = error as { code?: string; statusCode?: number; message?: string };
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
