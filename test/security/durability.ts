/**
 * What the durability fault tests share: `filterlab serve` as a real child process (so that it
 * can be killed with SIGKILL or SIGTERM), the queue backends it runs on here (embedded SQLite,
 * and BullMQ on a Redis server that the suite starts and stops itself), a direct look at the
 * queue a server left behind, and the figures the closing note reports.
 */
import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { openQueue } from '../../src/serve/backends.js';
import { parseServerConfig } from '../../src/serve/config.js';
import { newJobId, type JobRecord } from '../../src/serve/jobs.js';
import type { JobQueue } from '../../src/serve/queue/queue.js';
import { inputKey, type BlobStore } from '../../src/serve/storage/blob-store.js';
import { testJob } from '../support/jobs.js';
import { hasRedisServer, startRedis, type RedisServer } from '../support/services.js';
import { SERVING, spawnCli, type CliProcess } from '../support/spawn-cli.js';

export interface ServeProcess extends CliProcess {
  url: string;
}

/** Processes started by a suite; `stopAll` (in afterAll) stops what still runs. */
export class Processes {
  private readonly started: CliProcess[] = [];
  private redis: Promise<RedisServer> | undefined;

  /** `filterlab serve --port 0 ...args` from source; resolves once it listens. */
  async serve(args: string[], env: Record<string, string>): Promise<ServeProcess> {
    const proc = spawnCli(['serve', '--port', '0', ...args], { env });
    this.started.push(proc);
    const [, url] = await proc.ready(SERVING);
    return { ...proc, url: url! };
  }

  /** A Redis server of this suite's own, on a free port with append-only persistence. */
  startRedis(): Promise<RedisServer> {
    this.redis ??= startRedis();
    return this.redis;
  }

  /** SIGTERM first (a server stops its workers), SIGKILL for one still there after 15 s. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.started.map(async (p) => {
        const late = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await p.kill('SIGTERM');
        clearTimeout(late);
      }),
    );
    await (await this.redis?.catch(() => undefined))?.close();
  }
}

export interface QueueBackend {
  name: string;
  available: boolean;
  /** FILTERLAB_QUEUE for one test: "sqlite", or a fresh namespace on the suite's Redis. */
  queueUrl(processes: Processes): Promise<string>;
}

export const QUEUE_BACKENDS: readonly QueueBackend[] = [
  { name: 'sqlite', available: true, queueUrl: async () => 'sqlite' },
  {
    name: 'redis',
    available: hasRedisServer(),
    queueUrl: async (processes) =>
      `${(await processes.startRedis()).url}?prefix=sec${randomBytes(4).toString('hex')}`,
  },
];

/** The queue a server on `dataDir` and `queue` uses, opened here to inspect what it left. */
export function inspectQueue(dataDir: string, queue: string): Promise<JobQueue> {
  return openQueue(parseServerConfig({ dataDir, queue }));
}

/** Store a photo and queue a `vivid` job for it straight on the queue (no HTTP server). */
export async function enqueuePhoto(
  queue: JobQueue,
  store: BlobStore,
  image: Buffer,
  owner = 'test',
): Promise<string> {
  const id = newJobId();
  await store.put(inputKey(id), image, 'image/jpeg');
  await queue.enqueue(testJob(id, { owner, maxAttempts: 3 }));
  return id;
}

/** Every job record the queue holds. */
export function allJobs(queue: JobQueue): Promise<JobRecord[]> {
  return queue.changedSince(0, 100_000);
}

/**
 * A measured figure for the closing note: attached to the test as an annotation, and appended
 * to the file named by $FILTERLAB_TEST_FIGURES when set.
 */
export async function figure(
  annotate: (message: string) => Promise<unknown>,
  line: string,
): Promise<void> {
  await annotate(line);
  const file = process.env.FILTERLAB_TEST_FIGURES;
  if (file) await appendFile(file, `${new Date().toISOString()} ${line}\n`);
}
