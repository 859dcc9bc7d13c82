/** A queue job for tests that talk to a queue directly (no HTTP server). */
import type { NewJob } from '../../src/serve/jobs.js';
import { inputKey } from '../../src/serve/storage/blob-store.js';

/** A `vivid` job with an hour to live; `fields` override any part of it. */
export function testJob(id: string, fields: Partial<NewJob> = {}): NewJob {
  return {
    id,
    owner: 'test',
    filter: 'vivid',
    params: {},
    seed: 0,
    priority: 0,
    maxAttempts: 2,
    inputKey: inputKey(id),
    expiresAt: Date.now() + 3_600_000,
    ...fields,
  };
}
