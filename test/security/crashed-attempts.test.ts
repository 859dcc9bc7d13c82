/**
 * On Redis an attempt whose worker died counts, as on SQLite: when BullMQ's stalled-job check
 * hands a job back after its worker went silent, the next claim counts a new attempt, and a job
 * with no attempt left fails with FL_ERR_WORKER_CRASHED instead of running again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisQueue } from '../../src/serve/queue/redis-queue.js';
import type { ClaimedJob } from '../../src/serve/queue/queue.js';
import { newJobId } from '../../src/serve/jobs.js';
import { testJob } from '../support/jobs.js';
import { waitFor } from '../support/server.js';
import { Processes, QUEUE_BACKENDS } from './durability.js';

const LEASE_MS = 1000;
const redis = QUEUE_BACKENDS.find((b) => b.name === 'redis')!;

describe.skipIf(!redis.available)('attempts of a worker that died (redis)', () => {
  const processes = new Processes();
  const queues: RedisQueue[] = [];
  afterAll(async () => {
    for (const q of queues) await q.close();
    await processes.stopAll();
  });

  /** A job claimed by a worker that then goes silent (no heartbeat: as if killed). */
  async function abandoned(maxAttempts: number): Promise<{ id: string; other: RedisQueue }> {
    const url = await redis.queueUrl(processes);
    const [dead, other] = await Promise.all([RedisQueue.connect(url), RedisQueue.connect(url)]);
    queues.push(dead, other);
    const id = newJobId();
    await dead.enqueue(testJob(id, { maxAttempts }));
    expect((await dead.claim('w-dead', LEASE_MS))?.job).toMatchObject({ id, attempts: 1 });
    return { id, other };
  }

  it('counts the crashed attempt: the job comes back as attempt 2', async () => {
    const { id, other } = await abandoned(2);
    const claim = await waitFor(async () => other.claim('w-other', LEASE_MS), {
      timeoutMs: 30_000,
      what: 'the stalled job to come back',
    });
    expect((claim as ClaimedJob).job).toMatchObject({ id, status: 'running', attempts: 2 });
  }, 45_000);

  it('fails a job whose last attempt crashed with FL_ERR_WORKER_CRASHED', async () => {
    const { id, other } = await abandoned(1);
    const job = await waitFor(
      async () => {
        expect(await other.claim('w-other', LEASE_MS)).toBeUndefined();
        const record = await other.get(id);
        return record?.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 30_000, what: 'the stalled job to fail' },
    );
    expect(job).toMatchObject({ attempts: 1, error: { code: 'FL_ERR_WORKER_CRASHED' } });
    expect((await other.counts()).running).toBe(0);
  }, 45_000);
});
