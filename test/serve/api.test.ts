/**
 * The HTTP API of `filterlab serve`, end to end over loopback against a real server with real
 * worker processes, once per queue/storage backend in BACKENDS.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Stats } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { inputKey, resultKey } from '../../src/serve/storage/blob-store.js';
import { backendMatrix } from '../support/backends.js';
import {
  blobFiles,
  blobKeys,
  call,
  createJob,
  getJob,
  gpsTags,
  jpeg,
  pngClaiming,
  readEvents,
  startTestServer,
  tempDir,
  waitFor,
  waitForJob,
  type TestServer,
} from '../support/server.js';
import { stopScaleOutServices } from '../support/services.js';

const JOB_ID = /^[A-Za-z0-9_-]{22}$/;

afterAll(stopScaleOutServices);

for (const { backend, available } of await backendMatrix()) {
  describe.skipIf(!available)(`serve API on ${backend.name}`, () => {
    describe('open mode, one worker', () => {
      let t: TestServer;
      const ids: string[] = [];
      const local = backend.config().storage === 'local';

      beforeAll(async () => {
        t = await startTestServer(backend, { maxUploadBytes: 1024 * 1024 });
      });
      afterAll(() => t?.close());

      it('runs an uploaded photo through a filter and returns it without its GPS location', async () => {
        const photo = await jpeg(320, 240, { gps: true });
        const gps = await gpsTags(photo);
        expect(gps.get(2)).toBe(3); // GPSLatitude: three rationals
        expect(gps.get(4)).toBe(3); // GPSLongitude

        const created = await createJob(t.url, { image: photo, filter: 'vivid' });
        expect(created.status).toBe(202);
        expect(created.body.status).toBe('queued');
        expect(created.headers.get('location')).toBe(`/v1/jobs/${created.body.id}`);
        ids.push(created.body.id);

        const done = await waitForJob(t.url, created.body.id);
        expect(done).toMatchObject({
          status: 'succeeded',
          progress: 1,
          attempts: 1,
          result: { width: 320, height: 240, format: 'jpeg' },
        });
        const result = await call(`${t.url}${done.result.url}`);
        expect(result.status).toBe(200);
        expect(result.headers.get('content-type')).toBe('image/jpeg');
        const meta = await sharp(result.body as Buffer).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
        expect(meta.exif).toBeUndefined();
        expect((await gpsTags(result.body as Buffer)).size).toBe(0);
        // the filter changed the photo: vivid raises saturation
        const [before, after] = await Promise.all(
          [photo, result.body as Buffer].map((b) => sharp(b).stats()),
        );
        const spread = (s: Stats) => s.channels[0]!.mean - s.channels[2]!.mean;
        expect(Math.abs(spread(after!))).toBeGreaterThan(Math.abs(spread(before!)));
      });

      it('streams progress as server-sent events that end with the final status', async () => {
        const created = await createJob(t.url, { image: await jpeg(640, 480), filter: 'vivid' });
        expect(created.status).toBe(202);
        ids.push(created.body.id);
        const events = await readEvents(`${t.url}${created.body.links.events}`);
        expect(events.length).toBeGreaterThan(0);
        expect(events.at(-1)!.event).toBe('succeeded');
        expect(events.at(-1)!.data).toMatchObject({ id: created.body.id, status: 'succeeded' });
        for (const e of events.slice(0, -1)) expect(e.event).toBe('progress');
        // a finished job's stream gives its final state at once and ends
        const again = await readEvents(`${t.url}${created.body.links.events}`);
        expect(again.map((e) => e.event)).toEqual(['succeeded']);
      });

      it('returns the same job for a repeated idempotency key, also when requests race', async () => {
        const image = await jpeg(64, 48);
        const first = await createJob(t.url, { image, filter: 'vivid', idempotencyKey: 'k-1' });
        const second = await createJob(t.url, { image, filter: 'vivid', idempotencyKey: 'k-1' });
        expect(first.status).toBe(202);
        expect(second.status).toBe(200);
        expect(second.body.id).toBe(first.body.id);
        ids.push(first.body.id);

        const racing = await Promise.all(
          Array.from({ length: 4 }, () =>
            createJob(t.url, { image, filter: 'vivid', idempotencyKey: 'k-race' }),
          ),
        );
        expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 202]);
        expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
        ids.push(racing[0]!.body.id);
      });

      it('refuses parameters out of range or unknown with 400 FL_ERR_PARAM_INVALID', async () => {
        const image = await jpeg(64, 48);
        const high = await createJob(t.url, { image, filter: 'vivid', params: { saturation: 5 } });
        expect(high.status).toBe(400);
        expect(high.body.error.code).toBe('FL_ERR_PARAM_INVALID');
        expect(high.body.error.message).toMatch(/saturation in \[0, 1\] but received 5/);
        const unknown = await createJob(t.url, {
          image,
          filter: 'vivid',
          params: { saturaton: 1 },
        });
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.code).toBe('FL_ERR_PARAM_INVALID');
        expect(unknown.body.error.message).toMatch(/did you mean "saturation"/);
      });

      it('answers an unknown filter with 404 FL_ERR_UNKNOWN_FILTER naming the valid ones', async () => {
        const res = await createJob(t.url, { image: await jpeg(64, 48), filter: 'vivd' });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('FL_ERR_UNKNOWN_FILTER');
        expect(res.body.error.message).toMatch(/vivid/);
      });

      it('refuses an empty upload or a missing file with 400 FL_ERR_IMAGE_EMPTY', async () => {
        const empty = await createJob(t.url, { image: new Uint8Array(0), filter: 'vivid' });
        expect(empty.status).toBe(400);
        expect(empty.body.error.code).toBe('FL_ERR_IMAGE_EMPTY');
        const none = await createJob(t.url, { filter: 'vivid' });
        expect(none.status).toBe(400);
        expect(none.body.error.code).toBe('FL_ERR_IMAGE_EMPTY');
      });

      it('refuses a JPEG cut inside its header at upload with 422 FL_ERR_IMAGE_CORRUPT', async () => {
        const cut = (await jpeg(64, 48)).subarray(0, 40);
        const res = await createJob(t.url, { image: cut, filter: 'vivid' });
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('FL_ERR_IMAGE_CORRUPT');
      });

      it('fails a JPEG truncated in its pixel data with FL_ERR_IMAGE_CORRUPT, without retrying', async () => {
        // The upload check reads the header only (no pixel work in the HTTP process), so this
        // one is accepted; its worker finds the truncation and the job fails for good at once.
        const full = await jpeg(256, 192, { quality: 95 });
        const res = await createJob(t.url, {
          image: full.subarray(0, full.length >> 1),
          filter: 'vivid',
        });
        expect(res.status).toBe(202);
        ids.push(res.body.id);
        const job = await waitForJob(t.url, res.body.id);
        expect(job.status).toBe('failed');
        expect(job.attempts).toBe(1);
        expect(job.error.code).toBe('FL_ERR_IMAGE_CORRUPT');
        expect(job.error.message).toMatch(/truncated or corrupt/);
        const result = await call(`${t.url}/v1/jobs/${res.body.id}/result`);
        expect(result.status).toBe(409);
        expect(result.body.error.code).toBe('FL_ERR_NOT_READY');
      });

      it('sniffs the format from the content: a text file named .jpg gets 415 FL_ERR_IMAGE_FORMAT', async () => {
        const res = await createJob(t.url, {
          image: Buffer.from('name,score\nada,1\n'),
          filter: 'vivid',
          fileName: 'photo.jpg',
          fileType: 'image/jpeg',
        });
        expect(res.status).toBe(415);
        expect(res.body.error.code).toBe('FL_ERR_IMAGE_FORMAT');
        expect(res.body.error.message).toMatch(/text starting "name,score/);
      });

      it('refuses an upload over the byte limit with 413 FL_ERR_IMAGE_TOO_LARGE', async () => {
        const big = Buffer.alloc(1536 * 1024, 7);
        big.set([0xff, 0xd8, 0xff, 0xe0]);
        const res = await createJob(t.url, { image: big, filter: 'vivid' });
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('FL_ERR_IMAGE_TOO_LARGE');
      });

      it('refuses a small file whose header claims 30000x30000 pixels with 413', async () => {
        const bomb = pngClaiming(30_000, 30_000);
        expect(bomb.length).toBeLessThan(100);
        const res = await createJob(t.url, { image: bomb, filter: 'vivid', fileType: 'image/png' });
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('FL_ERR_IMAGE_TOO_LARGE');
        expect(res.body.error.message).toMatch(/30000x30000/);
        expect(res.body.error.details).not.toHaveProperty('file');
      });

      it('refuses a body that is not multipart with 415 FL_ERR_CONTENT_TYPE', async () => {
        const json = await call(`${t.url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ filter: 'vivid', image: 'aGVsbG8=' }),
        });
        expect(json.status).toBe(415);
        expect(json.body.error.code).toBe('FL_ERR_CONTENT_TYPE');
        const raw = await call(`${t.url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg' },
          body: new Uint8Array(await jpeg(16, 16)),
        });
        expect(raw.status).toBe(415);
        expect(raw.body.error.code).toBe('FL_ERR_CONTENT_TYPE');
      });

      it('answers a job id that does not exist with 404 FL_ERR_NOT_FOUND', async () => {
        for (const suffix of ['', '/result', '/events']) {
          const res = await call(`${t.url}/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA${suffix}`);
          expect(res.status).toBe(404);
          expect(res.body.error.code).toBe('FL_ERR_NOT_FOUND');
        }
      });

      it('gives jobs unguessable ids: 128 random bits, base64url', () => {
        expect(ids.length).toBeGreaterThanOrEqual(4);
        for (const id of ids) {
          expect(id).toMatch(JOB_ID);
          expect(Buffer.from(id, 'base64url').length).toBe(16);
        }
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('keeps no blob without a job: refused uploads leave nothing stored', async () => {
        const keys = await blobKeys(t.server);
        for (const key of keys) expect(await t.server.queue.get(key.split('/')[1]!)).toBeDefined();
        if (local)
          expect((await blobFiles(t.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      });

      it('deletes a job with its upload and result', async () => {
        const created = await createJob(t.url, { image: await jpeg(64, 48), filter: 'film-warm' });
        const id = created.body.id as string;
        await waitForJob(t.url, id);
        expect(await t.server.store.get(inputKey(id))).toBeDefined();
        expect(await t.server.store.get(resultKey(id))).toBeDefined();
        const files = local ? (await blobFiles(t.dataDir)).filter((f) => f.includes(id)) : [];
        if (local) expect(files.length).toBeGreaterThanOrEqual(2);

        const del = await call(`${t.url}/v1/jobs/${id}`, { method: 'DELETE' });
        expect(del.status).toBe(204);
        expect((await call(`${t.url}/v1/jobs/${id}`)).status).toBe(404);
        expect((await call(`${t.url}/v1/jobs/${id}/result`)).status).toBe(404);
        expect(await t.server.store.get(inputKey(id))).toBeUndefined();
        expect(await t.server.store.get(resultKey(id))).toBeUndefined();
        for (const f of files) expect(existsSync(path.join(t.dataDir, 'blobs', f))).toBe(false);
      });

      it('exposes queue depth, the latency histogram and failures by code at /metrics', async () => {
        const text = await waitFor(
          async () => {
            const res = await call(`${t.url}/metrics`);
            const body = res.body as string;
            return body.includes('filterlab_job_failures_total{code="FL_ERR_IMAGE_CORRUPT"} 1')
              ? body
              : undefined;
          },
          { what: 'the failed job in /metrics' },
        );
        expect(text).toMatch(/^filterlab_queue_depth \d+$/m);
        expect(text).toMatch(/^filterlab_queue_jobs\{status="succeeded"\} \d+$/m);
        expect(text).toMatch(/^# TYPE filterlab_job_latency_seconds histogram$/m);
        const count = Number(/^filterlab_job_latency_seconds_count (\d+)$/m.exec(text)?.[1]);
        expect(count).toBeGreaterThanOrEqual(4);
        expect(text).toMatch(/^filterlab_job_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);
        expect(text).toMatch(/^filterlab_workers_alive 1$/m);
      });

      it('serves an OpenAPI document at /docs that lists the job routes', async () => {
        const res = await call(`${t.url}/docs`);
        expect(res.status).toBe(200);
        expect(res.body.openapi).toMatch(/^3\./);
        expect(Object.keys(res.body.paths)).toEqual(
          expect.arrayContaining([
            '/v1/jobs',
            '/v1/jobs/{id}',
            '/v1/jobs/{id}/result',
            '/v1/jobs/{id}/events',
            '/v1/filters',
          ]),
        );
        expect(res.body.paths['/v1/jobs'].post.summary).toMatch(/multipart/);
      });

      it('reports liveness and readiness', async () => {
        expect((await call(`${t.url}/healthz`)).body).toEqual({ status: 'ok' });
        const ready = await call(`${t.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ status: 'ready', workers: 1 });
      });
    });

    describe('API keys (open mode off)', () => {
      let t: TestServer;
      const keys: Record<'a' | 'b' | 'limited' | 'quota', string> = {
        a: '',
        b: '',
        limited: '',
        quota: '',
      };

      beforeAll(async () => {
        const dataDir = await tempDir();
        const store = await ApiKeys.open(dataDir);
        keys.a = (await store.create('alice')).key;
        keys.b = (await store.create('bob')).key;
        keys.limited = (await store.create('slow client', { rateLimitPerMinute: 3 })).key;
        keys.quota = (await store.create('trial', { quotaPerDay: 1 })).key;
        t = await startTestServer(backend, { dataDir, open: false, workers: 0 });
      });
      afterAll(() => t?.close());

      it('answers requests without a valid key with 401 FL_ERR_UNAUTHORIZED', async () => {
        const none = await call(`${t.url}/v1/filters`);
        expect(none.status).toBe(401);
        expect(none.body.error.code).toBe('FL_ERR_UNAUTHORIZED');
        const bad = await call(`${t.url}/v1/filters`, { key: 'fl_not-a-real-key' });
        expect(bad.status).toBe(401);
        expect(bad.body.error.code).toBe('FL_ERR_UNAUTHORIZED');
        const good = await call(`${t.url}/v1/filters`, {
          headers: { 'x-api-key': keys.a },
        });
        expect(good.status).toBe(200);
        expect(good.body.filters.map((f: { id: string }) => f.id)).toContain('vivid');
        expect((await call(`${t.url}/healthz`)).status).toBe(200);
      });

      it("hides a key's jobs from every other key", async () => {
        const created = await createJob(t.url, {
          image: await jpeg(64, 48),
          filter: 'vivid',
          key: keys.a,
          idempotencyKey: 'same',
        });
        expect(created.status).toBe(202);
        const id = created.body.id as string;
        for (const suffix of ['', '/result', '/events']) {
          const res = await call(`${t.url}/v1/jobs/${id}${suffix}`, { key: keys.b });
          expect(res.status).toBe(404);
          expect(res.body.error.code).toBe('FL_ERR_NOT_FOUND');
        }
        const del = await call(`${t.url}/v1/jobs/${id}`, { method: 'DELETE', key: keys.b });
        expect(del.status).toBe(404);
        expect((await call(`${t.url}/v1/jobs/${id}`)).status).toBe(401);
        // still there for its owner, with its upload
        expect((await getJob(t.url, id, keys.a)).status).toBe('queued');
        expect(await t.server.store.get(inputKey(id))).toBeDefined();
        // idempotency keys are per API key: the same key from bob makes bob's own job
        const bobs = await createJob(t.url, {
          image: await jpeg(64, 48),
          filter: 'vivid',
          key: keys.b,
          idempotencyKey: 'same',
        });
        expect(bobs.status).toBe(202);
        expect(bobs.body.id).not.toBe(id);
      });

      it('limits the request rate per key: 429 FL_ERR_RATE_LIMITED with Retry-After', async () => {
        const statuses: number[] = [];
        let limited: Awaited<ReturnType<typeof call>> | undefined;
        for (let i = 0; i < 4; i++) {
          const res = await call(`${t.url}/v1/filters`, { key: keys.limited });
          statuses.push(res.status);
          if (res.status === 429) limited = res;
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
        expect(limited!.body.error.code).toBe('FL_ERR_RATE_LIMITED');
        expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // another key is not affected
        expect((await call(`${t.url}/v1/filters`, { key: keys.a })).status).toBe(200);
      });

      it('enforces the daily quota per key: 429 FL_ERR_QUOTA', async () => {
        const image = await jpeg(64, 48);
        const first = await createJob(t.url, { image, filter: 'vivid', key: keys.quota });
        expect(first.status).toBe(202);
        const second = await createJob(t.url, { image, filter: 'vivid', key: keys.quota });
        expect(second.status).toBe(429);
        expect(second.body.error.code).toBe('FL_ERR_QUOTA');
        // deleting a job does not give its quota back
        expect(
          (await call(`${t.url}/v1/jobs/${first.body.id}`, { method: 'DELETE', key: keys.quota }))
            .status,
        ).toBe(204);
        const third = await createJob(t.url, { image, filter: 'vivid', key: keys.quota });
        expect(third.status).toBe(429);
        expect(third.body.error.code).toBe('FL_ERR_QUOTA');
      });

      it('honours keys created and revoked while it runs (`filterlab keys` is another process)', async () => {
        const cli = await ApiKeys.open(t.dataDir);
        const { key, entry } = await cli.create('late');
        expect((await call(`${t.url}/v1/filters`, { key })).status).toBe(200);
        await cli.revoke(entry.id);
        const res = await call(`${t.url}/v1/filters`, { key });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('FL_ERR_UNAUTHORIZED');
      });
    });

    describe('a full queue (no workers, depth 1)', () => {
      let t: TestServer;

      beforeAll(async () => {
        t = await startTestServer(backend, { workers: 0, maxQueueDepth: 1 });
      });
      afterAll(() => t?.close());

      it('answers 503 FL_ERR_QUEUE_FULL with Retry-After and stores nothing', async () => {
        const image = await jpeg(64, 48);
        const first = await createJob(t.url, { image, filter: 'vivid' });
        expect(first.status).toBe(202);
        const before = await blobKeys(t.server);
        const second = await createJob(t.url, { image, filter: 'vivid' });
        expect(second.status).toBe(503);
        expect(second.body.error.code).toBe('FL_ERR_QUEUE_FULL');
        expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(await blobKeys(t.server)).toEqual(before);
        const ready = await call(`${t.url}/readyz`);
        expect(ready.body.queue.queued).toBeGreaterThanOrEqual(1);

        // cancelling the queued job frees its place
        const cancel = await call(`${t.url}/v1/jobs/${first.body.id}/cancel`, { method: 'POST' });
        expect(cancel.status).toBe(202);
        expect(cancel.body.status).toBe('cancelled');
        expect((await createJob(t.url, { image, filter: 'vivid' })).status).toBe(202);
      });
    });

    describe('shutdown', () => {
      let t: TestServer;

      beforeAll(async () => {
        t = await startTestServer(backend, { workers: 0 });
      });
      afterAll(() => t?.close());

      it('ends open progress streams when it shuts down', async () => {
        const created = await createJob(t.url, { image: await jpeg(64, 48), filter: 'vivid' });
        expect(created.status).toBe(202);
        const res = await fetch(`${t.url}${created.body.links.events}`);
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        expect(first).toMatch(/^event: progress/);
        const started = Date.now();
        await t.close();
        expect(Date.now() - started).toBeLessThan(5000);
        const rest = await reader.read().catch(() => ({ done: true }));
        expect(rest.done).toBe(true);
      });
    });

    describe('retention', () => {
      let t: TestServer;
      const local = backend.config().storage === 'local';

      beforeAll(async () => {
        t = await startTestServer(backend, { retentionMs: 1500 });
      });
      afterAll(() => t?.close());

      it('deletes a job, its upload and its result once the retention time has passed', async () => {
        const created = await createJob(t.url, { image: await jpeg(64, 48), filter: 'vivid' });
        const id = created.body.id as string;
        const done = await waitForJob(t.url, id);
        expect(done.status).toBe('succeeded');
        expect(await blobKeys(t.server)).toEqual(
          expect.arrayContaining([inputKey(id), resultKey(id)]),
        );
        await waitFor(async () => (Date.now() > Date.parse(done.expiresAt) ? true : undefined));
        const swept = await t.server.sweep();
        expect(swept.expired).toBeGreaterThanOrEqual(1);
        expect((await call(`${t.url}/v1/jobs/${id}`)).status).toBe(404);
        expect(await t.server.queue.get(id)).toBeUndefined();
        const left = await blobKeys(t.server);
        expect(left).not.toContain(inputKey(id));
        expect(left).not.toContain(resultKey(id));
        if (local) expect((await blobFiles(t.dataDir)).filter((f) => f.includes(id))).toEqual([]);
      });

      it('deletes blobs that belong to no job, on the second sweep that finds them', async () => {
        const orphan = inputKey('orphan-0123456789');
        await t.server.store.put(orphan, await jpeg(8, 8), 'image/jpeg');
        await t.server.sweep();
        // the first sweep spares it: an upload is stored a moment before its job is queued
        expect(await t.server.store.get(orphan)).toBeDefined();
        const swept = await t.server.sweep();
        expect(swept.orphans).toBeGreaterThanOrEqual(1);
        expect(await t.server.store.get(orphan)).toBeUndefined();
      });
    });
  });
}
