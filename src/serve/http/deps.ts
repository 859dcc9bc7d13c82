import type { Logger } from 'pino';
import type { FilterCatalog } from '../catalog.js';
import type { ServerConfig } from '../config.js';
import type { JobQueue } from '../queue/queue.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ApiKeys } from './api-keys.js';
import type { JobWatcher } from './job-watcher.js';
import type { Metrics } from './metrics.js';
import type { Thumbnails } from './thumbnails.js';

/** What the HTTP app and its routes are built from (a module of its own, so routes need not import the app). */
export interface ServerDeps {
  config: ServerConfig;
  queue: JobQueue;
  store: BlobStore;
  catalog: FilterCatalog;
  keys: ApiKeys;
  watcher: JobWatcher;
  metrics: Metrics;
  logger: Logger;
  thumbnails: Thumbnails;
  /** Number of live workers this process supervises, for readiness; undefined with --no-workers. */
  workersAlive?: () => number;
  /** Told after a job is queued, to wake this process's idle workers. */
  jobQueued?: () => void;
}
