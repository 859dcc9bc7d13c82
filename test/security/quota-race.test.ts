/**
 * The per-key quota holds under a concurrent burst: the queue counts and inserts in one atomic
 * step (an IMMEDIATE transaction in SQLite, one Lua script in Redis), so 20 concurrent uploads
 * of a key with a quota of 5 get exactly 5 accepted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { createJob, jpeg, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { Processes, QUEUE_BACKENDS, figure } from './durability.js';

const QUOTA = 5;
const BURST = 20;

for (const backend of QUEUE_BACKENDS) {
  describe.skipIf(!backend.available)(`quota under a concurrent burst (${backend.name})`, () => {
    const processes = new Processes();
    let t: TestServer | undefined;
    afterAll(async () => {
      await t?.close();
      await processes.stopAll();
    });

    it(`accepts exactly ${QUOTA} of ${BURST} concurrent uploads of a key with quota ${QUOTA}`, async ({
      annotate,
    }) => {
      const dataDir = await tempDir('fl-sec-quota-');
      const keys = await ApiKeys.open(dataDir);
      const { key } = await keys.create('trial', { quotaPerDay: QUOTA });
      const queue = await backend.queueUrl(processes);
      t = await startTestServer(
        {
          name: backend.name,
          config: () => ({ queue, storage: 'local' }),
          available: async () => true,
        },
        { dataDir, open: false, workers: 0 },
      );
      const image = await jpeg(64, 48);
      const answers = await Promise.all(
        Array.from({ length: BURST }, () => createJob(t!.url, { image, filter: 'vivid', key })),
      );
      const statuses = answers.map((a) => a.status);
      const accepted = statuses.filter((s) => s === 202).length;
      await figure(
        annotate,
        `[${backend.name}] quota ${QUOTA}, ${BURST} concurrent uploads: accepted ${accepted}, ` +
          `refused 429 ${statuses.filter((s) => s === 429).length}`,
      );
      expect(accepted).toBe(QUOTA);
      for (const a of answers.filter((x) => x.status !== 202)) {
        expect(a.status).toBe(429);
        expect(a.body.error.code).toBe('FL_ERR_QUOTA');
      }
      // refused uploads leave nothing behind: every stored input belongs to a job
      const jobs = await t.server.queue.changedSince(0);
      expect(jobs.filter((j) => j.owner !== 'system')).toHaveLength(QUOTA);
      const inputs = await t.server.store.list('inputs');
      expect(inputs.filter((k) => !jobs.some((j) => j.inputKey === k))).toEqual([]);
    }, 90_000);
  });
}
