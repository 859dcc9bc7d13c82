/**
 * SIGTERM drains `filterlab serve`: workers stop claiming, a running job gets the shutdown
 * grace to finish, and one still running after it goes back to the queue at once, its attempt
 * not spent, so that the next server runs it as a first attempt.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJob, jpeg, slowFilterDir, tempDir, waitForJob } from '../support/server.js';
import { inspectQueue, Processes, QUEUE_BACKENDS, figure } from './durability.js';

for (const backend of QUEUE_BACKENDS) {
  describe.skipIf(!backend.available)(`SIGTERM with a job running (${backend.name})`, () => {
    const processes = new Processes();
    const dirs: string[] = [];
    afterAll(async () => {
      await processes.stopAll();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    async function setup(graceMs: number) {
      const dataDir = await tempDir('fl-sec-term-');
      dirs.push(dataDir);
      const filters = await slowFilterDir(dataDir);
      await writeFile(path.join(dataDir, 'sample.jpg'), await jpeg(32, 24));
      const queueUrl = await backend.queueUrl(processes);
      const env = {
        FILTERLAB_QUEUE: queueUrl,
        FILTERLAB_STORAGE: 'local',
        FILTERLAB_SAMPLE_PHOTO: path.join(dataDir, 'sample.jpg'),
        FILTERLAB_SHUTDOWN_GRACE_MS: String(graceMs),
        FILTERLAB_LOG_LEVEL: 'warn',
      };
      const args = ['--data', dataDir, '--filters', filters, '--workers', '1'];
      return { dataDir, queueUrl, start: () => processes.serve(args, env) };
    }

    /** A job of the slow filter, waited for until it runs. */
    async function runningJob(url: string, side: number): Promise<string> {
      const created = await createJob(url, {
        image: await jpeg(64, 48),
        filter: 'test-slow',
        params: { side },
      });
      expect(created.status).toBe(202);
      const id = created.body.id as string;
      await waitForJob(url, id, { until: (j) => j.status === 'running', timeoutMs: 40_000 });
      return id;
    }

    it('hands a job still running after the grace back to the queue, attempt not spent', async ({
      annotate,
    }) => {
      const s = await setup(1000);
      const first = await s.start();
      const id = await runningJob(first.url, 2800);
      const sent = Date.now();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      const exitMs = Date.now() - sent;
      const queue = await inspectQueue(s.dataDir, s.queueUrl);
      try {
        const handedBack = await queue.get(id);
        await figure(
          annotate,
          `[${backend.name}] SIGTERM, grace 1 s, job running: exit ${exit.code ?? exit.signal} after ${exitMs} ms; ` +
            `job ${handedBack?.status}, attempts ${handedBack?.attempts}`,
        );
        expect(exit).toEqual({ code: 0, signal: null });
        expect(handedBack).toMatchObject({ status: 'queued', attempts: 0 });
        // the next server takes it at once as its first attempt (no lease to wait for)
        const second = await s.start();
        const again = await waitForJob(second.url, id, {
          until: (j) => j.status !== 'queued',
          timeoutMs: 40_000,
        });
        expect(again).toMatchObject({ attempts: 1 });
        expect(again.status).not.toBe('failed');
        await second.kill('SIGTERM'); // SIGKILL would orphan its worker process
      } finally {
        await queue.close();
      }
    }, 150_000);

    // the drain itself is the same code on both queues: once is enough
    it.skipIf(backend.name !== 'sqlite')(
      'lets a job that ends within the grace finish before the server exits',
      async ({ annotate }) => {
        const s = await setup(60_000);
        const first = await s.start();
        const id = await runningJob(first.url, 1600);
        first.child.kill('SIGTERM');
        const exit = await first.exited;
        const queue = await inspectQueue(s.dataDir, s.queueUrl);
        try {
          const job = await queue.get(id);
          await figure(
            annotate,
            `[${backend.name}] SIGTERM, grace 60 s, job running: exit ${exit.code ?? exit.signal}; job ${job?.status}, attempts ${job?.attempts}`,
          );
          expect(exit).toEqual({ code: 0, signal: null });
          expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
        } finally {
          await queue.close();
        }
      },
      120_000,
    );
  });
}
