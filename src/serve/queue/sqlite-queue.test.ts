import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_OWNER, type NewJob } from '../jobs.js';
import { SqliteQueue } from './sqlite-queue.js';
import { testJob } from '../../../test/support/jobs.js';

const job = (id: string, owner = 'alice'): NewJob => testJob(id, { owner });

describe('SqliteQueue', () => {
  let dir: string;
  let queue: SqliteQueue;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fl-queue-'));
    queue = new SqliteQueue(path.join(dir, 'queue.db'), { maxDepth: 2 });
  });
  afterEach(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never reuses a change number, even after the newest job is removed', async () => {
    await queue.enqueue(job('job-aaaaaaaa'));
    const newest = await queue.enqueue(job('job-bbbbbbbb'));
    await queue.remove(newest.id);
    const next = await queue.enqueue(job('job-cccccccc'));
    // a watcher that has seen `newest` must still see the next change
    expect(next.rev).toBeGreaterThan(newest.rev);
    expect((await queue.changedSince(newest.rev)).map((j) => j.id)).toEqual(['job-cccccccc']);
  });

  it('keeps change numbers growing across a reopen', async () => {
    const last = await queue.enqueue(job('job-aaaaaaaa'));
    await queue.remove(last.id);
    await queue.close();
    queue = new SqliteQueue(path.join(dir, 'queue.db'), { maxDepth: 2 });
    expect((await queue.enqueue(job('job-bbbbbbbb'))).rev).toBeGreaterThan(last.rev);
  });

  it("counts API keys' queued jobs against the depth, not the server's own", async () => {
    await queue.enqueue(job('thumb-aaaaaaaa', SYSTEM_OWNER));
    await queue.enqueue(job('thumb-bbbbbbbb', SYSTEM_OWNER));
    await queue.enqueue(job('job-aaaaaaaa'));
    await queue.enqueue(job('job-bbbbbbbb', 'bob'));
    await expect(queue.enqueue(job('job-cccccccc'))).rejects.toMatchObject({
      code: 'FL_ERR_QUEUE_FULL',
    });
  });

  it('refuses past the quota in the enqueue itself, removed jobs still counted', async () => {
    const quota = { limit: 2, windowMs: 60_000 };
    await queue.enqueue(job('job-aaaaaaaa'), { quota });
    await queue.remove('job-aaaaaaaa');
    await queue.enqueue(job('job-bbbbbbbb'), { quota });
    await expect(queue.enqueue(job('job-cccccccc'), { quota })).rejects.toMatchObject({
      code: 'FL_ERR_QUOTA',
    });
    await queue.enqueue(job('job-dddddddd', 'bob'), { quota });
  });

  it('counts jobs created for the quota even after they are removed', async () => {
    const since = Date.now() - 1000;
    await queue.enqueue(job('job-aaaaaaaa'));
    await queue.remove('job-aaaaaaaa');
    await queue.enqueue(job('job-bbbbbbbb'));
    expect(await queue.countCreatedSince('alice', since)).toBe(2);
    expect(await queue.countCreatedSince('bob', since)).toBe(0);
    expect(await queue.countCreatedSince('alice', Date.now() + 1000)).toBe(0);
  });
});
