import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createContext, disposeContext } from '../../core/context.js';
import { openQueue, openStore } from '../backends.js';
import { FilterCatalog } from '../catalog.js';
import { parseServerConfig, type ServerConfigInput } from '../config.js';
import { JobExecutor, type JobOutcome } from './executor.js';
import { RunnerCache } from './runner-cache.js';

/** Messages a worker process sends to its supervisor over IPC. */
export type WorkerMessage =
  | { type: 'ready'; workerId: string }
  /** Took a job; its filter loads next (held to the server's load limit). */
  | { type: 'claimed'; jobId: string }
  /** The job's filter is loaded: its timeout (the filter's or the server's) starts now. */
  | { type: 'started'; jobId: string; timeoutMs: number }
  | { type: 'done'; jobId: string; outcome: JobOutcome; ms: number }
  /** Past its RSS cap after a job: it exits next, to be replaced (not a crash). */
  | { type: 'recycle'; rss: number };

/** Messages the supervisor sends a worker: jobs were queued. */
export type SupervisorMessage = { type: 'wake' };

/**
 * A worker: takes jobs from the configured queue until told to stop. Runs as a child of
 * `filterlab serve` (config from FILTERLAB_WORKER_CONFIG) or alone as `filterlab worker`.
 */
export async function runWorker(
  input: ServerConfigInput,
  workerId = `w-${process.pid}-${randomBytes(3).toString('hex')}`,
): Promise<void> {
  const config = parseServerConfig(input);
  const logger = pino({ level: config.logLevel, base: { worker: workerId } }, pino.destination(2));
  const ctx = createContext({ logger, sessionOptions: { threads: 1 } });
  const [queue, store, catalog] = await Promise.all([
    openQueue(config),
    openStore(config),
    FilterCatalog.load(config.filtersDirs),
  ]);
  const runners = new RunnerCache(ctx, catalog, config.workerMemoryMb * 1024 * 1024);
  const send = (m: WorkerMessage) => process.send?.(m);
  const executor = new JobExecutor(queue, store, runners, logger, {
    workerId,
    leaseMs: config.leaseMs,
    loadLeaseMs: config.loadTimeoutMs,
    jobTimeoutMs: config.jobTimeoutMs,
    maxPixels: config.maxPixels,
    recycleRssBytes: config.workerRecycleRssMb * 1024 * 1024,
    onClaim: (jobId) => send({ type: 'claimed', jobId }),
    onStart: (jobId, timeoutMs) => send({ type: 'started', jobId, timeoutMs }),
    onDone: (jobId, outcome, ms) => send({ type: 'done', jobId, outcome, ms }),
  });
  // SIGTERM may come twice (to the process group, then from the supervisor): both mean drain
  const stop = () => executor.drain(config.shutdownGraceMs);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: SupervisorMessage) => {
    if (m?.type === 'wake') executor.wake();
  });
  send({ type: 'ready', workerId });
  logger.info({ queue: config.queue, storage: config.storage }, 'worker ready');
  const ended = await executor.loop();
  if (ended === 'recycle') send({ type: 'recycle', rss: process.memoryUsage().rss });
  await runners.dispose();
  await disposeContext(ctx);
  await queue.close();
  await store.close();
}

if (process.env.FILTERLAB_WORKER_CONFIG && process.send) {
  const { config, workerId } = JSON.parse(process.env.FILTERLAB_WORKER_CONFIG) as {
    config: ServerConfigInput;
    workerId: string;
  };
  runWorker(config, workerId).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`worker failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
