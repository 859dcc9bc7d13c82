import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerDeps } from '../deps.js';
import { notFound } from '../errors.js';

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** What the runs page shows from a run's results.json; anything else in it is ignored. */
const RunSummarySchema = z.looseObject({
  verdict: z.unknown().optional(),
  name: z.unknown().optional(),
  experiment: z.unknown().optional(),
});

async function readSummary(file: string): Promise<z.infer<typeof RunSummarySchema>> {
  const text = await readFile(file, 'utf8').catch(() => '{}');
  try {
    return RunSummarySchema.parse(JSON.parse(text));
  } catch {
    return {}; // a run still being written, or not a lab run: listed by its folder name
  }
}

/** Lab runs (folders with report.html and results.json) for the web app's runs page. */
export function registerRunRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const root = path.resolve(deps.config.runsDir);

  app.get('/v1/runs', { schema: { summary: 'Lab runs with a report' } }, async () => {
    const names = await readdir(root).catch(() => [] as string[]);
    const runs = [];
    for (const name of names.filter((n) => RUN_ID.test(n))) {
      const dir = path.join(root, name);
      const report = await stat(path.join(dir, 'report.html')).catch(() => undefined);
      if (!report) continue;
      const summary = await readSummary(path.join(dir, 'results.json'));
      runs.push({
        id: name,
        createdAt: report.mtime.toISOString(),
        verdict: summary.verdict ?? null,
        name: summary.name ?? summary.experiment ?? name,
        report: `/runs/${name}/report.html`,
      });
    }
    return { runs: runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
  });

  // reports show faces: they need a key (or a browser session) like the API
  app.get<{ Params: { id: string } }>(
    '/runs/:id/report.html',
    { schema: { hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      if (!RUN_ID.test(id)) throw notFound('run');
      const html = await readFile(path.join(root, id, 'report.html')).catch(() => undefined);
      if (!html) throw notFound('run');
      return reply.header('content-type', 'text/html; charset=utf-8').send(html);
    },
  );
}
