import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createContext, disposeContext } from '../../core/context.js';
import { openQueue, openStore } from '../backends.js';
import { FilterCatalog } from '../catalog.js';
import { parseServerConfig, type ServerConfigInput } from '../config.js';
import { JobExecutor } from './executor.js';
import { RunnerCache } from './runner-cache.js';

/** Messages a worker process sends to its supervisor over IPC. */
export type WorkerMessage =
  | { type: 'ready'; workerId: string }
  | { type: 'claimed'; jobId: string }
  | { type: 'done'; jobId: string; outcome: 'succeeded' | 'failed' | 'cancelled'; ms: number };

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
    jobTimeoutMs: config.jobTimeoutMs,
    maxPixels: config.maxPixels,
    onClaim: (jobId) => send({ type: 'claimed', jobId }),
    onDone: (jobId, outcome, ms) => send({ type: 'done', jobId, outcome, ms }),
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: SupervisorMessage) => {
    if (m?.type === 'wake') executor.wake();
  });
  send({ type: 'ready', workerId });
  logger.info({ queue: config.queue, storage: config.storage }, 'worker ready');
  await executor.loop(controller.signal);
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
