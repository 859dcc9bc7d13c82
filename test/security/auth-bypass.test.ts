/**
 * Key mode under attack: every route of the OpenAPI document, plus the hidden lab report route,
 * spelled every way a router may still match (encoded, doubled slashes, dot segments, case…),
 * sent without a key. Each must answer 401, or 404 from no route matching: never a handler's
 * answer. Rate limits and quotas hold on the matched route too. Once per backend.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { backendMatrix } from '../support/backends.js';
import { stopScaleOutServices } from '../support/services.js';
import {
  call,
  createJob,
  jobForm,
  jpeg,
  startTestServer,
  tempDir,
  type TestServer,
} from '../support/server.js';
import { pathVariants, rawRequest } from './attack.js';

interface Route {
  method: string;
  path: string;
}

/** The routes of the OpenAPI document that need a key, with their parameters filled in. */
async function guardedRoutes(base: string, key: string, params: Record<string, string>) {
  const doc = (await call(`${base}/docs/json`, { key })).body as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(operations)) {
      if (Array.isArray(operation.security) && operation.security.length === 0) continue;
      const filled = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const value = params[`${template}:${name}`] ?? params[name];
        if (!value) throw new Error(`no test value for ${name} in ${template}`);
        return value;
      });
      routes.push({ method: method.toUpperCase(), path: filled });
    }
  return routes;
}

/**
 * 401, the static files' 403 for a dot-segment path, the 404 of no route matching, or the
 * router's own 400 for a path it cannot read (a NUL byte: refused before any route is matched);
 * HEAD has no body to tell, its GET twin is checked. Anything else reached a handler without a key.
 */
function refused(method: string, res: { status: number; body: string }): boolean {
  if (res.status === 401 || res.status === 403) return true;
  if (res.status !== 404 && res.status !== 400) return false;
  if (method === 'HEAD') return true;
  try {
    const { message } = (JSON.parse(res.body) as { error: { message: string } }).error;
    return res.status === 404 ? message.startsWith('No route') : message === 'Bad Request';
  } catch {
    return false;
  }
}

afterAll(stopScaleOutServices);

for (const { backend, available } of await backendMatrix()) {
  describe.skipIf(!available)(`auth on the matched route, ${backend.name}`, () => {
    let t: TestServer;
    const keys = { a: '', limited: '', quota: '' };
    let jobId = '';
    const runId = 'portraits-2026-12-06T19-00-00';

    beforeAll(async () => {
      const dataDir = await tempDir('fl-sec-');
      const store = await ApiKeys.open(dataDir);
      keys.a = (await store.create('alice')).key;
      keys.limited = (await store.create('slow', { rateLimitPerMinute: 3 })).key;
      keys.quota = (await store.create('trial', { quotaPerDay: 1 })).key;
      const runsDir = path.join(dataDir, 'runs');
      await mkdir(path.join(runsDir, runId), { recursive: true });
      await writeFile(path.join(runsDir, runId, 'report.html'), '<h1>faces</h1>');
      t = await startTestServer(backend, { dataDir, runsDir, open: false, workers: 0 });
      const created = await createJob(t.url, {
        image: await jpeg(64, 48),
        filter: 'vivid',
        key: keys.a,
      });
      expect(created.status).toBe(202);
      jobId = created.body.id;
    });
    afterAll(() => t?.close());

    it('answers every spelling of every guarded route without a key with 401 or no-route 404', async ({
      annotate,
    }) => {
      const routes = await guardedRoutes(t.url, keys.a, {
        id: jobId,
        '/v1/filters/{id}/thumbnail:id': 'vivid',
      });
      routes.push({ method: 'GET', path: `/runs/${runId}/report.html` });
      expect(routes.map((r) => `${r.method} ${r.path.replace(jobId, ':id')}`)).toEqual(
        expect.arrayContaining([
          'POST /v1/jobs',
          'GET /v1/jobs/:id/result',
          'DELETE /v1/jobs/:id',
          'GET /v1/runs',
        ]),
      );
      let sent = 0;
      const through: string[] = [];
      for (const route of routes) {
        const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
        for (const method of methods)
          for (const variant of pathVariants(route.path)) {
            const res = await rawRequest(t.url, method, variant);
            sent++;
            if (!refused(method, res)) through.push(`${method} ${variant} -> ${res.status}`);
          }
      }
      await annotate(`${sent} requests without a key, ${through.length} got through`);
      expect(sent).toBeGreaterThan(500);
      expect(through).toEqual([]);
      // the spellings are real: with a key the router does match them
      for (const p of ['/%761/filters', '/v%31/filters', `/runs/${runId}/report%2ehtml`])
        expect(
          (await rawRequest(t.url, 'GET', p, { headers: { authorization: `Bearer ${keys.a}` } }))
            .status,
        ).toBe(200);
    });

    it('creates no job and stores nothing for the refused uploads', async () => {
      const before = await t.server.store.list('inputs');
      const form = jobForm({ image: await jpeg(64, 48), filter: 'vivid' });
      for (const p of ['/%761/jobs', '/v%31/jobs', '/v1/jobs'])
        expect((await call(`${t.url}${p}`, { method: 'POST', body: form })).status).toBe(401);
      expect(await t.server.store.list('inputs')).toEqual(before);
    });

    it('applies the rate limit to encoded spellings of a route', async () => {
      const statuses: number[] = [];
      for (const p of ['/v1/filters', '/v%31/filters', '/%761/filters', '/v1/filt%65rs'])
        statuses.push((await call(`${t.url}${p}`, { key: keys.limited })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });

    it('applies the daily quota to encoded spellings of the upload route', async () => {
      const image = await jpeg(64, 48);
      const first = await call(`${t.url}/%761/jobs`, {
        method: 'POST',
        body: jobForm({ image, filter: 'vivid' }),
        key: keys.quota,
      });
      expect(first.status).toBe(202);
      const second = await call(`${t.url}/v%31/jobs`, {
        method: 'POST',
        body: jobForm({ image, filter: 'vivid' }),
        key: keys.quota,
      });
      expect(second.status).toBe(429);
      expect(second.body.error.code).toBe('FL_ERR_QUOTA');
    });
  });
}
