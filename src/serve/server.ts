import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { openQueue, openStore } from './backends.js';
import { FilterCatalog } from './catalog.js';
import {
  dataPath,
  openMode,
  parseServerConfig,
  type ServerConfig,
  type ServerConfigInput,
} from './config.js';
import { ApiKeys } from './http/api-keys.js';
import { buildApp } from './http/app.js';
import { JobWatcher } from './http/job-watcher.js';
import { SYSTEM_OWNER } from './jobs.js';
import { Metrics } from './http/metrics.js';
import { Thumbnails } from './http/thumbnails.js';
import type { JobQueue } from './queue/queue.js';
import type { BlobStore } from './storage/blob-store.js';
import { WorkerSupervisor } from './worker/supervisor.js';

/** A temporary upload file older than this (or than the retention) was left by a killed write. */
const TEMPORARY_MAX_AGE_MS = 10 * 60_000;
/** A pending enqueue younger than this may still be finishing in another live API process. */
const RECONCILE_MIN_AGE_MS = 30_000;

export interface RunningServer {
  app: FastifyInstance;
  config: ServerConfig;
  url: string;
  queue: JobQueue;
  store: BlobStore;
  supervisor: WorkerSupervisor | undefined;
  /** Delete expired jobs, orphaned blobs and stale temporaries now (also runs every minute). */
  sweep(): Promise<{ expired: number; orphans: number; temporaries: number }>;
  close(): Promise<void>;
}

/**
 * `filterlab serve`: the HTTP API and web app, the retention sweeper, and (unless workers is 0)
 * the worker processes, all on the configured queue and blob store.
 */
export async function startServer(
  input: ServerConfigInput,
  options: { logger?: Logger } = {},
): Promise<RunningServer> {
  const config = parseServerConfig(input);
  const logger = options.logger ?? pino({ level: config.logLevel });
  const [queue, store, catalog, keys] = await Promise.all([
    openQueue(config),
    openStore(config),
    FilterCatalog.load(config.filtersDirs),
    ApiKeys.open(dataPath(config)),
  ]);
  const metrics = new Metrics();
  const watcher = new JobWatcher(queue);
  watcher.onFinished((job) => {
    if (job.owner === SYSTEM_OWNER) return;
    if (job.status === 'succeeded' && job.finishedAt)
      metrics.observeJobLatency((job.finishedAt - job.createdAt) / 1000);
    if (job.status === 'failed')
      metrics.count(
        'filterlab_job_failures_total',
        { code: job.error?.code ?? 'unknown' },
        1,
        'Failed jobs by error code',
      );
    metrics.count(
      'filterlab_jobs_finished_total',
      { status: job.status },
      1,
      'Finished jobs by final status',
    );
  });
  await watcher.start();
  const supervisor =
    config.workers > 0
      ? new WorkerSupervisor(config, queue, logger, {
          // progress streams hear of a finished job now, not at the watcher's next poll
          onJobDone: () => watcher.poke(),
          onRestart: () =>
            metrics.count(
              'filterlab_worker_restarts_total',
              {},
              1,
              'Worker processes restarted after dying',
            ),
          onRecycle: () =>
            metrics.count(
              'filterlab_worker_recycles_total',
              {},
              1,
              'Worker processes replaced after passing their RSS cap',
            ),
        })
      : undefined;
  const thumbnails = new Thumbnails(config, queue, store, catalog);
  const app = await buildApp({
    config,
    queue,
    store,
    catalog,
    keys,
    watcher,
    metrics,
    logger,
    thumbnails,
    ...(supervisor
      ? { workersAlive: () => supervisor.alive, jobQueued: () => supervisor.wake() }
      : {}),
  });
  await supervisor?.start();
  await thumbnails
    .start()
    .catch((e: unknown) => logger.warn({ err: e }, 'thumbnails not rendered'));

  // An upload is stored a moment before its job is queued: a blob is deleted as an orphan only
  // when the sweep before this one found it without a job too.
  let suspects = new Set<string>();
  const sweep = async () => {
    let expired = 0;
    for (;;) {
      const batch = await queue.expired(Date.now(), 200);
      if (!batch.length) break;
      for (const job of batch) {
        if (job.status === 'running' || job.status === 'queued') await queue.cancel(job.id);
        await store.delete(job.inputKey);
        if (job.resultKey) await store.delete(job.resultKey);
        await queue.remove(job.id);
        expired++;
      }
    }
    let orphans = 0;
    const unowned = new Set<string>();
    for (const prefix of ['inputs', 'results']) {
      for (const key of await store.list(prefix)) {
        if (await queue.get(key.slice(prefix.length + 1))) continue;
        if (!suspects.has(key)) unowned.add(key);
        else {
          await store.delete(key);
          orphans++;
        }
      }
    }
    suspects = unowned;
    const temporaries = await store.sweepTemporaries(
      Math.min(config.retentionMs, TEMPORARY_MAX_AGE_MS),
    );
    return { expired, orphans, temporaries };
  };
  const repair = async (minAgeMs: number, everyJob = false) => {
    await queue
      .reconcile(minAgeMs, { everyJob })
      .catch((e: unknown) => logger.error({ err: e }, 'queue reconcile failed'));
    await queue
      .recoverExpiredLeases()
      .catch((e: unknown) => logger.error({ err: e }, 'lease recovery failed'));
  };
  const sweeper = setInterval(() => {
    void sweep().catch((e: unknown) => logger.error({ err: e }, 'retention sweep failed'));
    void repair(RECONCILE_MIN_AGE_MS);
  }, 60_000);
  sweeper.unref();
  await sweep().catch((e: unknown) => logger.error({ err: e }, 'retention sweep failed'));
  // what a killed server left (a job queued in its record only, a job still marked running)
  // is repaired now, not a minute later
  await repair(0, true);

  const address = await app.listen({ host: config.host, port: config.port });
  logger.info(
    {
      url: address,
      open: openMode(config),
      workers: config.workers,
      queue: config.queue,
      storage: config.storage,
    },
    'filterlab serving',
  );
  return {
    app,
    config,
    url: address,
    queue,
    store,
    supervisor,
    sweep,
    async close() {
      clearInterval(sweeper);
      watcher.stop();
      await app.close();
      await supervisor?.stop();
      await queue.close();
      await store.close();
    },
  };
}
