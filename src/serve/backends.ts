import { FilterlabError } from '../core/errors.js';
import { dataPath, type ServerConfig } from './config.js';
import type { JobQueue } from './queue/queue.js';
import { SqliteQueue } from './queue/sqlite-queue.js';
import type { BlobStore } from './storage/blob-store.js';
import { LocalBlobStore } from './storage/local-store.js';

/** The queue named by the configuration: embedded SQLite, or BullMQ on redis://. */
export async function openQueue(config: ServerConfig): Promise<JobQueue> {
  if (config.queue === 'sqlite')
    return new SqliteQueue(dataPath(config, 'queue.db'), { maxDepth: config.maxQueueDepth });
  if (/^rediss?:\/\//.test(config.queue)) {
    const { RedisQueue } = await import('./queue/redis-queue.js');
    return RedisQueue.connect(config.queue, { maxDepth: config.maxQueueDepth });
  }
  throw new FilterlabError(
    'FL_ERR_CONFIG',
    `Expected FILTERLAB_QUEUE to be "sqlite" or a redis:// URL but received ${JSON.stringify(config.queue)}`,
  );
}

/** The blob store named by the configuration: local files, or s3://bucket/prefix. */
export async function openStore(config: ServerConfig): Promise<BlobStore> {
  if (config.storage === 'local') return new LocalBlobStore(dataPath(config, 'blobs'));
  if (config.storage.startsWith('s3://')) {
    const { S3BlobStore } = await import('./storage/s3-store.js');
    return S3BlobStore.fromUrl(config.storage);
  }
  throw new FilterlabError(
    'FL_ERR_CONFIG',
    `Expected FILTERLAB_STORAGE to be "local" or s3://bucket/prefix but received ${JSON.stringify(config.storage)}`,
  );
}
