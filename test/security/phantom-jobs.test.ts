/**
 * The API killed with SIGKILL in the middle of a burst of uploads must leave no phantom job:
 * restarted, every accepted job ends succeeded or failed, none stays queued, every record has
 * an expiry, and the queue depth counts what is really queued.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openQueue, openStore } from '../../src/serve/backends.js';
import { parseServerConfig } from '../../src/serve/config.js';
import { SYSTEM_OWNER } from '../../src/serve/jobs.js';
import { createJob, jpeg, tempDir, waitFor } from '../support/server.js';
import {
  allJobs,
  enqueuePhoto,
  figure,
  inspectQueue,
  Processes,
  QUEUE_BACKENDS,
} from './durability.js';

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
        // the depth counts what is queued: nothing, thumbnails included, once all ran
        const depth = await waitFor(
          async () => {
            const queued = (await queue.counts()).queued;
            return queued === 0 ? queued : undefined;
          },
          { timeoutMs: 30_000, what: 'the queue depth to reach 0' },
        );
        await figure(
          annotate,
          `[${backend.name}] kill -9 mid-burst: accepted ${accepted.length}, succeeded ${succeeded.length}, ` +
            `failed ${failed.length}, lost ${lost.length}; records ${ended.length} ` +
            `(${ended.length - accepted.length} unanswered); without expiry ` +
            `${ended.filter((j) => !withExpiry.has(j.id)).length}; depth once all ran ${depth}`,
        );
        expect(lost).toEqual([]);
        expect(succeeded.length + failed.length).toBe(accepted.length);
        expect(ended.filter((j) => !withExpiry.has(j.id))).toEqual([]);
        expect((await allJobs(queue)).filter((j) => j.status === 'queued')).toEqual([]);
        second.child.kill('SIGTERM');
        await second.exited;
      } finally {
        await queue.close();
      }
    }, 180_000);
  });
}

const redis = QUEUE_BACKENDS.find((b) => b.name === 'redis')!;

describe.skipIf(!redis.available)('phantom jobs left by an older version (redis)', () => {
  const processes = new Processes();
  const dirs: string[] = [];
  afterAll(async () => {
    await processes.stopAll();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('are repaired at start: given back their BullMQ job and their expiry, then run', async () => {
    const dataDir = await tempDir('fl-sec-legacy-');
    dirs.push(dataDir);
    const queueUrl = await redis.queueUrl(processes);
    const prefix = new URL(queueUrl).searchParams.get('prefix')!;
    const config = parseServerConfig({ dataDir, queue: queueUrl });
    const [queue, store] = await Promise.all([openQueue(config), openStore(config)]);
    const raw = new Redis(queueUrl.split('?')[0]!, { maxRetriesPerRequest: null });
    const bull = new Queue('filterlab-jobs', { connection: raw, prefix });
    try {
      const image = await jpeg(64, 48);
      const ids = [
        await enqueuePhoto(queue, store, image, 'old-client'),
        await enqueuePhoto(queue, store, image, 'old-client'),
      ];
      for (const id of ids) {
        // what the old non-atomic enqueue left when killed: no BullMQ job, and for one no expiry
        await (await bull.getJob(id))!.remove();
      }
      await raw.zrem(`${prefix}:expiry`, ids[1]!);
      expect(await queue.expired(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);

      const server = await processes.serve(['--data', dataDir, '--workers', '1'], {
        FILTERLAB_QUEUE: queueUrl,
        FILTERLAB_STORAGE: 'local',
        FILTERLAB_LOG_LEVEL: 'warn',
      });
      const jobs = await waitFor(
        async () => {
          const all = await Promise.all(ids.map((id) => queue.get(id)));
          return all.every((j) => j?.status === 'succeeded') ? all : undefined;
        },
        { timeoutMs: 40_000, what: 'the repaired jobs to run' },
      );
      expect(jobs).toHaveLength(2);
      const withExpiry = (await queue.expired(Number.MAX_SAFE_INTEGER, 100)).map((j) => j.id);
      expect(withExpiry).toEqual(expect.arrayContaining(ids));
      await server.kill('SIGTERM');
    } finally {
      await bull.close();
      raw.disconnect();
      await queue.close();
      await store.close();
    }
  }, 90_000);
});
