/**
 * The API killed with SIGKILL in the middle of a burst of uploads must leave no phantom job:
 * restarted, every accepted job ends succeeded or failed, none stays queued, every record has
 * an expiry, and the queue depth counts what is really queued.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_OWNER } from '../../src/serve/jobs.js';
import { createJob, jpeg, tempDir, waitFor } from '../support/server.js';
import { allJobs, inspectQueue, Processes, QUEUE_BACKENDS, figure } from './durability.js';

const CLIENTS = 8;
const ACCEPTED_BEFORE_KILL = 40;

for (const backend of QUEUE_BACKENDS) {
  describe.skipIf(!backend.available)(`API killed with SIGKILL mid-burst (${backend.name})`, () => {
    const processes = new Processes();
    const dirs: string[] = [];
    afterAll(async () => {
      await processes.stopAll();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it('leaves no phantom job: all accepted jobs end, none queued, each with an expiry', async ({
      annotate,
    }) => {
      const dataDir = await tempDir('fl-sec-kill-');
      dirs.push(dataDir);
      const queueUrl = await backend.queueUrl(processes);
      const image = await jpeg(64, 48);
      await writeFile(path.join(dataDir, 'sample.jpg'), image);
      const env = {
        FILTERLAB_QUEUE: queueUrl,
        FILTERLAB_STORAGE: 'local',
        FILTERLAB_SAMPLE_PHOTO: path.join(dataDir, 'sample.jpg'),
        FILTERLAB_RATE_LIMIT_PER_MINUTE: '100000',
        FILTERLAB_MAX_QUEUE_DEPTH: '10000',
        FILTERLAB_LOG_LEVEL: 'warn',
      };
      // no workers: everything accepted stays queued until the restart
      const first = await processes.serve(['--data', dataDir, '--no-workers'], env);
      const accepted: string[] = [];
      let killed = false;
      const clients = Array.from({ length: CLIENTS }, async () => {
        while (!killed) {
          const res = await createJob(first.url, { image, filter: 'vivid' }).catch(() => undefined);
          if (res?.status === 202) accepted.push(res.body.id as string);
        }
      });
      await waitFor(async () => (accepted.length >= ACCEPTED_BEFORE_KILL ? true : undefined), {
        timeoutMs: 40_000,
        what: `${ACCEPTED_BEFORE_KILL} accepted uploads`,
      });
      first.child.kill('SIGKILL');
      await first.exited;
      killed = true;
      await Promise.all(clients);

      const queue = await inspectQueue(dataDir, queueUrl);
      try {
        const second = await processes.serve(['--data', dataDir, '--workers', '1'], env);
        const users = async () => (await allJobs(queue)).filter((j) => j.owner !== SYSTEM_OWNER);
        const ended = await waitFor(
          async () => {
            const jobs = await users();
            return jobs.every((j) => j.status === 'succeeded' || j.status === 'failed')
              ? jobs
              : undefined;
          },
          { timeoutMs: 90_000, what: 'every job of the killed API to end' },
        );
        const byId = new Map(ended.map((j) => [j.id, j]));
        const succeeded = accepted.filter((id) => byId.get(id)?.status === 'succeeded');
        const failed = accepted.filter((id) => byId.get(id)?.status === 'failed');
        const lost = accepted.filter((id) => !byId.has(id));
        const withExpiry = new Set(
          (await queue.expired(Number.MAX_SAFE_INTEGER, 100_000)).map((j) => j.id),
        );
        const counts = await queue.counts();
        await figure(
          annotate,
          `[${backend.name}] kill -9 mid-burst: accepted ${accepted.length}, succeeded ${succeeded.length}, ` +
            `failed ${failed.length}, lost ${lost.length}; records ${ended.length} ` +
            `(${ended.length - accepted.length} unanswered); without expiry ` +
            `${ended.filter((j) => !withExpiry.has(j.id)).length}; depth after ${counts.queued}`,
        );
        expect(lost).toEqual([]);
        expect(succeeded.length + failed.length).toBe(accepted.length);
        expect(ended.filter((j) => !withExpiry.has(j.id))).toEqual([]);
        // the depth counts what is queued: nothing, thumbnails included, once all ran
        await waitFor(async () => ((await queue.counts()).queued === 0 ? true : undefined), {
          timeoutMs: 30_000,
          what: 'the queue depth to reach 0',
        });
        expect((await allJobs(queue)).filter((j) => j.status === 'queued')).toEqual([]);
        second.child.kill('SIGTERM');
        await second.exited;
      } finally {
        await queue.close();
      }
    }, 180_000);
  });
}
