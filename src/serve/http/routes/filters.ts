import type { FastifyInstance } from 'fastify';
import { OUTPUT_FORMATS } from '../../../core/image/formats.js';
import type { ServerDeps } from '../deps.js';
import { notFound } from '../errors.js';

export function registerFilterRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(
    '/v1/filters',
    { schema: { summary: 'Filters with their parameter schemas and thumbnails' } },
    async () => ({
      filters: await Promise.all(
        deps.catalog.all().map(async ({ spec }) => ({
          id: spec.id,
          version: spec.version,
          name: spec.name ?? spec.id,
          description: spec.description ?? '',
          tags: spec.tags,
          requires: spec.requires,
          params: spec.params,
          thumbnail: `/v1/filters/${spec.id}/thumbnail`,
          thumbnailStatus: await deps.thumbnails.status(spec.id),
        })),
      ),
      limits: {
        maxUploadBytes: deps.config.maxUploadBytes,
        maxPixels: deps.config.maxPixels,
        retentionHours: deps.config.retentionMs / 3_600_000,
        outputFormats: OUTPUT_FORMATS,
      },
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/filters/:id/thumbnail',
    {
      // cheap cached reads that a gallery fetches many of at once
      config: { rateLimit: false },
      schema: {
        summary: 'Example of the filter on a sample portrait',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
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
