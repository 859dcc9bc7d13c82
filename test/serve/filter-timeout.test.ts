/**
 * A filter's own `timeoutMs` in `filterlab serve`: it replaces the server's job timeout, in the
 * worker (which aborts the job) and in the supervisor's watchdog (which would kill the worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import {
  createJob,
  jpeg,
  slowFilterDir,
  startTestServer,
  tempDir,
  waitForJob,
  type TestServer,
} from '../support/server.js';

/** The server's own job timeout: the slow filter at 4000 px runs past it (test/serve/faults). */
const SERVER_TIMEOUT_MS = 2500;

describe('per-filter job timeout (embedded backend)', () => {
  let t: TestServer;

  beforeAll(async () => {
    const dataDir = await tempDir();
    t = await startTestServer(BACKENDS[0]!, {
      dataDir,
      filtersDirs: [
        await slowFilterDir(dataDir, { 'test-slow-short': 1000, 'test-slow-long': 60_000 }),
      ],
      maxAttempts: 1,
      jobTimeoutMs: SERVER_TIMEOUT_MS,
    });
  });
  afterAll(() => t?.close());

  const slowJob = async (filter: string) => {
    const created = await createJob(t.url, {
      image: await jpeg(64, 48),
      filter,
      params: { side: 4000 },
    });
    expect(created.status).toBe(202);
    return created.body.id as string;
  };

  it("fails a job past its filter's shorter timeout with FL_ERR_TIMEOUT", async () => {
    const job = await waitForJob(t.url, await slowJob('test-slow-short'));
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error.code).toBe('FL_ERR_TIMEOUT');
    expect(job.error.message).toMatch(/within 1000 ms \(filter test-slow-short's timeoutMs/);
  });

  it("lets a job run past the server's timeout when its filter allows longer", async () => {
    const id = await slowJob('test-slow-long');
    // the worker told the supervisor's watchdog the filter's limit once the filter was loaded
    await waitForJob(t.url, id, {
      until: () => t.server.supervisor!.watched.some((w) => w.id === id && w.phase === 'running'),
    });
    expect(t.server.supervisor!.watched.find((w) => w.id === id)).toMatchObject({
      phase: 'running',
      limitMs: 60_000,
    });
    const job = await waitForJob(t.url, id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(job.result).toMatchObject({ width: 96 });
    // it ran longer than the server's timeout would have allowed
    expect(Date.parse(job.finishedAt) - Date.parse(job.startedAt)).toBeGreaterThan(
      SERVER_TIMEOUT_MS,
    );
  });
});
