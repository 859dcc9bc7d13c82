import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.js';

export function registerSystemRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/healthz', { schema: { summary: 'Liveness', security: [] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: queue reachable and workers up', security: [] } },
    async (_request, reply) => {
      const counts = await deps.queue.counts().catch(() => undefined);
      const workers = deps.workersAlive?.();
      const ready = counts !== undefined && (workers === undefined || workers > 0);
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not ready',
        queue: counts ?? 'unreachable',
        workers: workers ?? 'external',
      });
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', security: [] } },
    async (_request, reply) => {
      const counts = await deps.queue.counts();
      const text = deps.metrics.render([
        {
          name: 'filterlab_queue_jobs',
          help: 'Jobs in the queue by status',
          values: Object.entries(counts).map(([status, n]) => [{ status }, n]),
        },
        {
          name: 'filterlab_queue_depth',
          help: 'Jobs waiting to run',
          values: [[{}, counts.queued]],
        },
        ...(deps.workersAlive
          ? [
              {
                name: 'filterlab_workers_alive',
                help: 'Worker processes up',
                values: [[{}, deps.workersAlive()]] as [Record<string, string>, number][],
              },
            ]
          : []),
      ]);
      return reply.header('content-type', 'text/plain; version=0.0.4').send(text);
    },
  );

  app.get('/docs', { schema: { hide: true, security: [] } }, async () => app.swagger());
  app.get('/docs/json', { schema: { hide: true, security: [] } }, async () => app.swagger());
}
