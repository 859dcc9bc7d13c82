/**
 * `npm run bench:scale`: jobs per second through BullMQ on Redis with 1, 2 and 4 `filterlab
 * worker` processes for a fast filter, and the queue's own overhead per job (enqueue, claim,
 * heartbeat, complete, read) for the Redis queue vs the embedded SQLite queue.
 *
 *   npm run bench:scale -- [--jobs 120] [--workers 1,2,4] [--no-build]
 *
 * The API (`serve --no-workers`) and the workers run from dist/ as separate processes on a real
 * redis-server (Debian package) on loopback, with local blob storage so that the queue is what is
 * measured. Photos are made at run time (a faces-dev portrait at 256 px). Results: a table and
 * bench/results/scale.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { newJobId, type NewJob } from '../src/serve/jobs.js';
import type { JobQueue } from '../src/serve/queue/queue.js';
import { RedisQueue } from '../src/serve/queue/redis-queue.js';
import { SqliteQueue } from '../src/serve/queue/sqlite-queue.js';
import { freePort, startRedis } from '../test/support/services.js';
import { SERVING, spawnCli, WORKER_READY } from '../test/support/spawn-cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const PHOTO = path.resolve(ROOT, '../shared/data/faces-dev/B001231.jpg');
const RESULTS = path.join(ROOT, 'bench', 'results', 'scale.json');

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const JOBS = Number(flag('jobs', '120'));
const WORKER_COUNTS = flag('workers', '1,2,4').split(',').map(Number);

async function submit(url: string, image: Buffer): Promise<string> {
  const form = new FormData();
  form.append('filter', 'vivid');
  form.append('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'p.jpg');
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function statusOf(url: string, id: string): Promise<string> {
  return ((await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { status: string }).status;
}

/** Jobs/s end to end: JOBS uploads (16 at a time), then wait until every one has finished. */
async function throughput(
  redisUrl: string,
  workers: number,
  image: Buffer,
): Promise<{ workers: number; jobs: number; seconds: number; jobsPerSecond: number }> {
  const data = await mkdtemp(path.join(tmpdir(), 'fl-scale-bench-'));
  const env = {
    FILTERLAB_QUEUE: `${redisUrl}?prefix=bench${workers}x${Date.now()}`,
    FILTERLAB_STORAGE: 'local',
    FILTERLAB_DATA: data,
    FILTERLAB_RATE_LIMIT_PER_MINUTE: '1000000',
    FILTERLAB_MAX_QUEUE_DEPTH: '100000',
    FILTERLAB_LOG_LEVEL: 'warn',
    FILTERLAB_SAMPLE_PHOTO: path.join(data, 'none.jpg'),
  };
  const api = spawnCli(['serve', '--port', String(await freePort()), '--no-workers'], {
    env,
    built: true,
  });
  const url = (await api.ready(SERVING))[1]!;
  const ws = Array.from({ length: workers }, () => spawnCli(['worker'], { env, built: true }));
  await Promise.all(ws.map((w) => w.ready(WORKER_READY)));
  // warm-up: every worker compiles the filter
  await Promise.all(Array.from({ length: workers * 2 }, () => submit(url, image)));
  await new Promise((r) => setTimeout(r, 1500));
  const started = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < JOBS) {
        next++;
        ids.push(await submit(url, image));
      }
    }),
  );
  const pending = new Set(ids);
  while (pending.size) {
    for (const id of [...pending]) {
      const s = await statusOf(url, id);
      if (s === 'failed') throw new Error(`job ${id} failed`);
      if (s === 'succeeded') pending.delete(id);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([api, ...ws].map((p) => p.kill()));
  await rm(data, { recursive: true, force: true });
  return { workers, jobs: JOBS, seconds, jobsPerSecond: JOBS / seconds };
}

/** The queue's own cost per job: enqueue, claim, one heartbeat, complete, one status read. */
async function queueOverhead(
  queue: JobQueue,
  n: number,
): Promise<{ msPerJob: number; enqueueMs: number; claimToCompleteMs: number }> {
  const job = (): NewJob => ({
    id: newJobId(),
    owner: 'bench',
    filter: 'vivid',
    params: { saturation: 0.3 },
    seed: 0,
    priority: 0,
    maxAttempts: 3,
    inputKey: `inputs/${newJobId()}`,
    expiresAt: Date.now() + 3_600_000,
  });
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await queue.enqueue(job())).id);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const claim = await queue.claim('bench-worker', 30_000);
    if (!claim) throw new Error('queue ran dry');
    await queue.heartbeat(claim, 0.5, 30_000);
    await queue.complete(claim, { resultKey: `results/${claim.job.id}`, meta: {} });
    await queue.get(claim.job.id);
  }
  const t2 = performance.now();
  return { msPerJob: (t2 - t0) / n, enqueueMs: (t1 - t0) / n, claimToCompleteMs: (t2 - t1) / n };
}

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('redis-server is not installed (apt-get install redis-server)');
  if (!args.includes('--no-build'))
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  const redis = await startRedis();
  const image = await sharp(PHOTO).resize({ height: 256 }).jpeg({ quality: 90 }).toBuffer();
  try {
    const overheadN = 300;
    const sqliteDir = await mkdtemp(path.join(tmpdir(), 'fl-q-'));
    const sqlite = new SqliteQueue(path.join(sqliteDir, 'queue.db'), { maxDepth: 100_000 });
    const sqliteCost = await queueOverhead(sqlite, overheadN);
    await sqlite.close();
    await rm(sqliteDir, { recursive: true, force: true });
    const redisQueue = await RedisQueue.connect(`${redis.url}?prefix=overhead`, {
      maxDepth: 100_000,
    });
    const redisCost = await queueOverhead(redisQueue, overheadN);
    await redisQueue.close();

    const runs = [];
    for (const w of WORKER_COUNTS) {
      runs.push(await throughput(redis.url, w, image));
      console.error(`workers ${w}: ${runs[runs.length - 1]!.jobsPerSecond.toFixed(2)} jobs/s`);
    }
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
      filter: 'vivid',
      photo: `B001231.jpg at ${image.length} bytes, 256 px high`,
      throughput: runs.map((r) => ({ ...r, perWorker: r.jobsPerSecond / r.workers })),
      queueOverheadPerJobMs: { sqlite: sqliteCost, redis: redisCost, jobs: overheadN },
    };
    console.table(
      result.throughput.map((r) => ({
        workers: r.workers,
        jobs: r.jobs,
        seconds: r.seconds.toFixed(1),
        'jobs/s': r.jobsPerSecond.toFixed(2),
        'jobs/s per worker': r.perWorker.toFixed(2),
      })),
    );
    console.table([
      {
        queue: 'sqlite',
        'ms/job': sqliteCost.msPerJob.toFixed(3),
        'enqueue ms': sqliteCost.enqueueMs.toFixed(3),
        'claim..complete ms': sqliteCost.claimToCompleteMs.toFixed(3),
      },
      {
        queue: 'redis (BullMQ)',
        'ms/job': redisCost.msPerJob.toFixed(3),
        'enqueue ms': redisCost.enqueueMs.toFixed(3),
        'claim..complete ms': redisCost.claimToCompleteMs.toFixed(3),
      },
    ]);
    await writeFile(RESULTS, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${path.relative(ROOT, RESULTS)}`);
  } finally {
    await redis.close();
  }
}

await main();
process.exit(0);
