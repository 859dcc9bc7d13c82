/**
 * Faults `filterlab serve` must survive without losing an accepted job: a client gone
 * mid-upload, a worker killed mid-job, the server itself killed with jobs queued, a job past
 * its time limit, a job cancelled while it runs.
 */
import { rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendMatrix, type BackendCase } from '../support/backends.js';
import {
  blobFiles,
  blobKeys,
  call,
  createJob,
  jpeg,
  slowFilterDir,
  startTestServer,
  tempDir,
  waitFor,
  waitForJob,
  type TestServer,
} from '../support/server.js';
import { stopScaleOutServices } from '../support/services.js';
import { SERVING, spawnCli, type CliProcess } from '../support/spawn-cli.js';

/**
 * The slow filter upscaled to `side` px: at 2800 a job runs a few seconds here, long enough to
 * be caught running; at 4000 it runs twice as long, well past the short timeout below.
 */
const slow = (side = 2800) => ({ filter: 'test-slow', params: { side } });

async function startSlowServer(backend: BackendCase, config: Record<string, unknown> = {}) {
  const dataDir = await tempDir();
  return startTestServer(backend, {
    dataDir,
    filtersDirs: [await slowFilterDir(dataDir)],
    ...config,
  });
}

async function runningJob(t: TestServer): Promise<string> {
  const created = await createJob(t.url, { image: await jpeg(64, 48), ...slow() });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  await waitForJob(t.url, id, { until: (job) => job.status === 'running' });
  return id;
}

afterAll(stopScaleOutServices);

for (const { backend, available } of await backendMatrix()) {
  describe.skipIf(!available)(`serve faults on ${backend.name}`, () => {
    describe('retrying worker', () => {
      let t: TestServer;

      beforeAll(async () => {
        t = await startSlowServer(backend);
      });
      afterAll(() => t?.close());

      it('keeps no job and no blob from a client that disconnects mid-upload', async () => {
        // thumbnails rendered at start must not change the counts under the test
        await waitFor(async () => {
          const c = await t.server.queue.counts();
          return c.queued + c.running === 0 ? true : undefined;
        });
        const jobsBefore = await t.server.queue.counts();
        const blobsBefore = await blobKeys(t.server);
        const form = new FormData();
        form.append('filter', 'vivid');
        form.append(
          'image',
          new Blob([new Uint8Array(await jpeg(600, 400))], { type: 'image/jpeg' }),
          'a.jpg',
        );
        const request = new Request(`${t.url}/v1/jobs`, { method: 'POST', body: form });
        const body = Buffer.from(await request.arrayBuffer());
        const head =
          `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: ${request.headers.get('content-type')}\r\n` +
          `Content-Length: ${body.length}\r\n\r\n`;
        // cut in the file, and cut after the file's closing boundary but before the body's end
        for (const sent of [body.length >> 1, body.length - 4]) {
          const open = await connections(t);
          const socket = net.connect(Number(new URL(t.url).port), '127.0.0.1');
          await new Promise<void>((resolve) => socket.once('connect', resolve));
          await waitFor(async () => ((await connections(t)) > open ? true : undefined));
          await new Promise<void>((resolve) =>
            socket.write(Buffer.concat([Buffer.from(head), body.subarray(0, sent)]), () =>
              resolve(),
            ),
          );
          socket.destroy();
          // the server has seen the client go once it closed its end
          await waitFor(async () => ((await connections(t)) <= open ? true : undefined), {
            what: 'the server to drop the connection',
          });
        }
        expect(await t.server.queue.counts()).toEqual(jobsBefore);
        expect(await blobKeys(t.server)).toEqual(blobsBefore);
        if (backend.config().storage === 'local')
          expect((await blobFiles(t.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
        // and the server still takes uploads
        const ok = await createJob(t.url, { image: await jpeg(64, 48), filter: 'vivid' });
        expect(ok.status).toBe(202);
      });

      it('retries the job of a worker killed mid-job on a restarted worker', async () => {
        const supervisor = t.server.supervisor!;
        const [pid] = supervisor.pids;
        const id = await runningJob(t);
        process.kill(pid!, 'SIGKILL');
        const job = await waitForJob(t.url, id, { timeoutMs: 90_000 });
        expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(job.result).toMatchObject({ width: 96 });
        expect(supervisor.restarts).toBe(1);
        expect(supervisor.pids).toHaveLength(1);
        expect(supervisor.pids[0]).not.toBe(pid);
        const metrics = (await call(`${t.url}/metrics`)).body as string;
        expect(metrics).toMatch(/^filterlab_worker_restarts_total 1$/m);
      }, 120_000); // the retry wait above (90 s) must end before the test does

      it('cancels a running job: it ends cancelled and its worker moves on', async () => {
        const id = await runningJob(t);
        const res = await call(`${t.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
        expect(res.status).toBe(202);
        const job = await waitForJob(t.url, id);
        expect(job).toMatchObject({ status: 'cancelled', attempts: 1 });
        const next = await createJob(t.url, { image: await jpeg(64, 48), filter: 'vivid' });
        expect((await waitForJob(t.url, next.body.id)).status).toBe('succeeded');
      });
    });

    describe('single-attempt worker with a short job timeout', () => {
      let t: TestServer;

      beforeAll(async () => {
        t = await startSlowServer(backend, { maxAttempts: 1, jobTimeoutMs: 2500 });
      });
      afterAll(() => t?.close());

      it('fails the job of a killed worker with FL_ERR_WORKER_CRASHED when no attempt is left', async () => {
        const [pid] = t.server.supervisor!.pids;
        const id = await runningJob(t);
        process.kill(pid!, 'SIGKILL');
        const job = await waitForJob(t.url, id);
        expect(job).toMatchObject({ status: 'failed', attempts: 1 });
        expect(job.error.code).toBe('FL_ERR_WORKER_CRASHED');
        expect(job.error.message).toMatch(/SIGKILL/);
        await waitFor(async () => (t.server.supervisor!.alive === 1 ? true : undefined));
      });

      it('fails a job past its time limit with FL_ERR_TIMEOUT, without retrying', async () => {
        const created = await createJob(t.url, { image: await jpeg(64, 48), ...slow(4000) });
        const job = await waitForJob(t.url, created.body.id);
        expect(job).toMatchObject({ status: 'failed', attempts: 1 });
        expect(job.error.code).toBe('FL_ERR_TIMEOUT');
        const ms = Date.parse(job.finishedAt) - Date.parse(job.startedAt);
        expect(ms).toBeGreaterThanOrEqual(2500);
      });
    });

    describe('server killed with SIGKILL', () => {
      it('loses no accepted job: a restart on the same data folder completes them all', async () => {
        const dataDir = await tempDir();
        const image = await jpeg(64, 48);
        await writeFile(path.join(dataDir, 'sample.jpg'), image);
        const env = {
          FILTERLAB_SAMPLE_PHOTO: path.join(dataDir, 'sample.jpg'),
          FILTERLAB_RATE_LIMIT_PER_MINUTE: '100000',
          FILTERLAB_LOG_LEVEL: 'warn',
          ...backendEnv(backend),
        };
        const first = await serveChild(dataDir, 0, env);
        const accepted: string[] = [];
        let killed = false;
        // three clients upload until the server dies under them
        const clients = Array.from({ length: 3 }, async () => {
          while (!killed) {
            const res = await createJob(first.url, { image, filter: 'vivid' }).catch(
              () => undefined,
            );
            if (res?.status === 202) accepted.push(res.body.id);
          }
        });
        await waitFor(async () => (accepted.length >= 9 ? true : undefined));
        await first.kill('SIGKILL');
        killed = true;
        await Promise.all(clients);

        const second = await serveChild(dataDir, 1, env);
        try {
          for (const id of accepted) {
            const job = await waitForJob(second.url, id);
            expect(job.status, `job ${id}`).toBe('succeeded');
          }
        } finally {
          await second.kill();
          await rm(dataDir, { recursive: true, force: true });
        }
      });
    });
  });
}

async function connections(t: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    t.server.app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
  );
}

/** The environment that selects a backend for `filterlab serve` run as a separate process. */
function backendEnv(backend: BackendCase): Record<string, string> {
  const c = backend.config();
  return {
    ...(c.queue ? { FILTERLAB_QUEUE: c.queue } : {}),
    ...(c.storage ? { FILTERLAB_STORAGE: c.storage } : {}),
  };
}

/** `filterlab serve` from source in a child process; resolves once it prints its address. */
async function serveChild(
  dataDir: string,
  workers: number,
  env: Record<string, string>,
): Promise<CliProcess & { url: string }> {
  const proc = spawnCli(['serve', '--port', '0', '--data', dataDir, '--workers', String(workers)], {
    env,
  });
  return { ...proc, url: (await proc.ready(SERVING))[1]! };
}
