/**
 * A worker past its RSS cap after a job is replaced by a fresh process (a recycle, not a
 * crash): the job it ran succeeds, the next one runs on the new worker. The supervisor runs
 * here without an HTTP server, so that no thumbnail job comes between.
 */
import { rm } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openQueue, openStore } from '../../src/serve/backends.js';
import { parseServerConfig } from '../../src/serve/config.js';
import type { JobRecord } from '../../src/serve/jobs.js';
import type { JobQueue } from '../../src/serve/queue/queue.js';
import type { BlobStore } from '../../src/serve/storage/blob-store.js';
import { WorkerSupervisor } from '../../src/serve/worker/supervisor.js';
import { jpeg, tempDir, waitFor } from '../support/server.js';
import { enqueuePhoto } from './durability.js';

async function runJob(queue: JobQueue, store: BlobStore, image: Buffer): Promise<JobRecord> {
  const id = await enqueuePhoto(queue, store, image);
  return waitFor(
    async () => {
      const job = await queue.get(id);
      return job && (job.status === 'succeeded' || job.status === 'failed') ? job : undefined;
    },
    { timeoutMs: 30_000, what: `job ${id}` },
  );
}

describe('worker recycling past the RSS cap', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('replaces the worker after a job and runs the next job on the new one', async () => {
    const dataDir = await tempDir('fl-sec-recycle-');
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // every Node process is above 1 MB: the worker is recycled after each job
    const config = parseServerConfig({ dataDir, workers: 1, workerRecycleRssMb: 1 });
    const [queue, store] = await Promise.all([openQueue(config), openStore(config)]);
    cleanup.push(() => queue.close());
    const recycled: number[] = [];
    const supervisor = new WorkerSupervisor(config, queue, pino({ level: 'silent' }), {
      onRecycle: (_worker, rss) => recycled.push(rss),
    });
    cleanup.push(() => supervisor.stop());
    await supervisor.start();
    const [pid] = supervisor.pids;
    const image = await jpeg(64, 48);

    expect(await runJob(queue, store, image)).toMatchObject({ status: 'succeeded', attempts: 1 });
    await waitFor(
      async () => (recycled.length === 1 && supervisor.alive === 1 ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'the worker to be replaced',
      },
    );
    expect(recycled[0]).toBeGreaterThan(1024 * 1024);
    expect(supervisor.pids[0]).not.toBe(pid);
    expect(supervisor.restarts).toBe(0); // a recycle is not counted as a crash
    expect(await runJob(queue, store, image)).toMatchObject({ status: 'succeeded', attempts: 1 });
  }, 90_000);
});
