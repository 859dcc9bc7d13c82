/**
 * Scale-out faults with real parts: BullMQ on a real redis-server, an S3-compatible server, and
 * separate `filterlab serve --no-workers` and `filterlab worker` processes (from source, via tsx).
 * Skipped where redis-server is not installed (.ci/run installs it).
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, jpeg, slowFilterDir, tempDir, waitFor, waitForJob } from '../support/server.js';
import {
  hasRedisServer,
  runningServices,
  scaleOutConfig,
  scaleOutServices,
  stopScaleOutServices,
} from '../support/services.js';
import { SERVING, spawnCli, WORKER_READY, type CliProcess } from '../support/spawn-cli.js';

interface Proc extends CliProcess {
  url?: string;
}

const available = hasRedisServer();

describe.skipIf(!available)('scale-out: Redis queue, S3 storage, separate processes', () => {
  let dataDir: string;
  let filters: string;
  let env: NodeJS.ProcessEnv;
  const procs: Proc[] = [];

  beforeAll(async () => {
    await scaleOutServices();
    dataDir = await tempDir('fl-scale-');
    filters = await slowFilterDir(dataDir);
    await writeFile(path.join(dataDir, 'sample.jpg'), await jpeg(32, 24));
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await stopScaleOutServices();
  });

  /** A fresh namespace per test: its own queue keys and bucket prefix. */
  function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const c = scaleOutConfig();
    env = {
      ...process.env,
      FILTERLAB_QUEUE: c.queue,
      FILTERLAB_STORAGE: c.storage,
      FILTERLAB_SAMPLE_PHOTO: path.join(dataDir, 'sample.jpg'),
      FILTERLAB_RATE_LIMIT_PER_MINUTE: '100000',
      FILTERLAB_LOG_LEVEL: 'warn',
      ...extra,
    };
    return env;
  }

  async function start(args: string[], waitForUrl: boolean): Promise<Proc> {
    const proc: Proc = spawnCli(args, { env });
    procs.push(proc);
    if (waitForUrl) proc.url = (await proc.ready(SERVING))[1];
    else await proc.ready(WORKER_READY);
    return proc;
  }

  const api = () =>
    start(['serve', '--port', '0', '--data', dataDir, '--no-workers', '--filters', filters], true);
  const worker = () => start(['worker', '--data', dataDir, '--filters', filters], false);

  it('finishes the job of a worker killed with SIGKILL mid-job on another worker', async () => {
    // long enough that a busy machine's slow step does not lose the lease of the second worker too
    freshEnv({ FILTERLAB_LEASE_MS: '8000' });
    const a = await api();
    const w1 = await worker();
    const created = await createJob(a.url!, {
      image: await jpeg(64, 48),
      filter: 'test-slow',
      params: { side: 2800 },
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await waitForJob(a.url!, id, { until: (j) => j.status === 'running' });
    await w1.kill('SIGKILL');
    const w2 = await worker();
    const job = await waitForJob(a.url!, id, { timeoutMs: 90_000 });
    expect(job).toMatchObject({ status: 'succeeded' }); // on failure, shows the job's error
    await Promise.all([a.kill(), w2.kill()]);
  }, 180_000); // longer than its waits together: two starts, the job running, 90 s recovery

  it('loses no queued job when Redis restarts (append-only persistence)', async () => {
    freshEnv();
    const a = await api();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await createJob(a.url!, {
        image: await jpeg(48, 40),
        filter: 'vivid',
        params: { saturation: i / 10 },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    const { redis } = runningServices();
    await redis.stop();
    await redis.restart();
    const w = await worker();
    for (const id of ids) expect((await waitForJob(a.url!, id)).status).toBe('succeeded');
    await Promise.all([a.kill(), w.kill()]);
  });

  it('serves one queue from two API processes', async () => {
    freshEnv();
    const [a, b] = await Promise.all([api(), api()]);
    const w = await worker();
    const onA = await createJob(a.url!, { image: await jpeg(48, 40), filter: 'vivid' });
    const onB = await createJob(b.url!, { image: await jpeg(48, 40), filter: 'film-warm' });
    // each API answers for jobs the other accepted: state lives in Redis and S3, not in a process
    for (const id of [onA.body.id as string, onB.body.id as string]) {
      for (const base of [a.url!, b.url!])
        expect((await waitForJob(base, id)).status).toBe('succeeded');
    }
    const result = await fetch(`${b.url}/v1/jobs/${onA.body.id}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/jpeg');
    await waitFor(async () =>
      (await (await fetch(`${a.url}/readyz`)).status) === 200 ? true : undefined,
    );
    await Promise.all([a.kill(), b.kill(), w.kill()]);
  });
});
