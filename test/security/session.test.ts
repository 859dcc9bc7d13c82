/**
 * Browser sessions in key mode: an API key becomes an HttpOnly cookie that opens the API and the
 * lab reports, ends on logout or when the key is revoked, and cannot be ridden cross-site.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { backendMatrix } from '../support/backends.js';
import { stopScaleOutServices } from '../support/services.js';
import {
  call,
  jobForm,
  jpeg,
  startTestServer,
  tempDir,
  type TestServer,
} from '../support/server.js';

afterAll(stopScaleOutServices);

for (const { backend, available } of await backendMatrix()) {
  describe.skipIf(!available)(`browser sessions, ${backend.name}`, () => {
    let t: TestServer;
    let keys: ApiKeys;
    const secrets = { a: '', late: '' };
    let lateId = '';
    const runId = 'portraits-2026-12-06T19-00-00';

    beforeAll(async () => {
      const dataDir = await tempDir('fl-sec-');
      keys = await ApiKeys.open(dataDir);
      secrets.a = (await keys.create('alice')).key;
      const late = await keys.create('late');
      secrets.late = late.key;
      lateId = late.entry.id;
      const runsDir = path.join(dataDir, 'runs');
      await mkdir(path.join(runsDir, runId), { recursive: true });
      await writeFile(path.join(runsDir, runId, 'report.html'), '<h1>faces</h1>');
      t = await startTestServer(backend, { dataDir, runsDir, open: false, workers: 0 });
    });
    afterAll(() => t?.close());

    const login = async (key: string) => {
      const res = await call(`${t.url}/v1/session`, { method: 'POST', key });
      expect(res.status).toBe(200);
      const cookie = res.headers.get('set-cookie') ?? '';
      return { res, cookie, pair: cookie.split(';')[0]! };
    };

    it('turns an API key into an HttpOnly, SameSite=Strict session cookie', async () => {
      const { res, cookie, pair } = await login(secrets.a);
      expect(res.body.mode).toBe('key');
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      expect(pair).toMatch(/^fl_session=[A-Za-z0-9_-]{43}$/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/');
      expect(cookie).toMatch(/Max-Age=\d+/);
      expect(cookie).not.toContain('Secure'); // plain http on loopback; https adds it
      expect(cookie).not.toContain(secrets.a);
    });

    it('opens the API and the lab reports with the cookie alone, and nothing without it', async () => {
      const { pair } = await login(secrets.a);
      const report = `${t.url}/runs/${runId}/report.html`;
      expect((await call(report)).status).toBe(401);
      const withCookie = await call(report, { headers: { cookie: pair } });
      expect(withCookie.status).toBe(200);
      expect(withCookie.body).toContain('faces');
      expect((await call(`${t.url}/v1/runs`, { headers: { cookie: pair } })).body.runs).toEqual([
        expect.objectContaining({ id: runId, report: `/runs/${runId}/report.html` }),
      ]);
      const who = await call(`${t.url}/v1/session`, { headers: { cookie: pair } });
      expect(who.body).toEqual({ mode: 'key' });
      const forged = await call(report, { headers: { cookie: 'fl_session=forged' } });
      expect(forged.status).toBe(401);
      expect(forged.body.error.code).toBe('FL_ERR_UNAUTHORIZED');
    });

    it('refuses a state-changing request on the cookie unless it is same-origin', async () => {
      const { pair } = await login(secrets.a);
      const host = new URL(t.url).host;
      const upload = async (headers: Record<string, string>) =>
        call(`${t.url}/v1/jobs`, {
          method: 'POST',
          body: jobForm({ image: await jpeg(64, 48), filter: 'vivid' }),
          headers: { cookie: pair, ...headers },
        });
      const noOrigin = await upload({});
      expect(noOrigin.status).toBe(401);
      expect(noOrigin.body.error.message).toMatch(/same-origin/);
      expect((await upload({ origin: 'https://evil.example' })).status).toBe(401);
      expect((await upload({ origin: `http://${host}.evil.example` })).status).toBe(401);
      const sameOrigin = await upload({ origin: `http://${host}` });
      expect(sameOrigin.status).toBe(202);
      const xhr = await upload({ 'x-requested-with': 'XMLHttpRequest' });
      expect(xhr.status).toBe(202);
      // a job made on the cookie belongs to the key: readable with the key itself
      expect(
        (await call(`${t.url}/v1/jobs/${sameOrigin.body.id}`, { key: secrets.a })).status,
      ).toBe(200);
    });

    it('ends the session on logout', async () => {
      const { pair } = await login(secrets.a);
      const out = await call(`${t.url}/v1/session`, {
        method: 'DELETE',
        headers: { cookie: pair },
      });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^fl_session=; .*Max-Age=0/);
      expect((await call(`${t.url}/v1/filters`, { headers: { cookie: pair } })).status).toBe(401);
    });

    it("ends a key's sessions when the key is revoked", async () => {
      const { pair } = await login(secrets.late);
      expect((await call(`${t.url}/v1/filters`, { headers: { cookie: pair } })).status).toBe(200);
      await keys.revoke(lateId);
      const res = await call(`${t.url}/v1/filters`, { headers: { cookie: pair } });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/expired or its key revoked/);
    });

    it('makes no session from a wrong key', async () => {
      const res = await call(`${t.url}/v1/session`, { method: 'POST', key: 'fl_wrong' });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    });
  });
}
