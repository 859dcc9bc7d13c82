/**
 * Local storage after a kill: what an upload killed mid-write leaves (`<id>.<pid>.tmp`, its
 * `.tmp.type`, a `.type` without its file) is swept by age, so that once the retention time
 * has passed no photo is left on disk; and what is stored is readable by its owner only.
 */
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newJobId } from '../../src/serve/jobs.js';
import {
  blobFiles,
  createJob,
  jpeg,
  startTestServer,
  tempDir,
  waitFor,
  type TestServer,
} from '../support/server.js';
import { Processes, figure } from './durability.js';

const RETENTION_HOURS = 0.001; // 3.6 s
const RETENTION_MS = RETENTION_HOURS * 3_600_000;

/** Files and folders under `dir` whose mode lets anyone but the owner in. */
async function openToOthers(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const file = path.join(e.parentPath, e.name);
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) out.push(`${path.relative(dir, file)} ${mode.toString(8)}`);
  }
  return out;
}

describe('local storage after an API killed with SIGKILL during uploads', () => {
  const processes = new Processes();
  let dataDir: string;
  let server: TestServer | undefined;
  afterAll(async () => {
    await processes.stopAll();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps stored photos 0600 in 0700 folders and leaves no file once retention has passed', async ({
    annotate,
  }) => {
    dataDir = await tempDir('fl-sec-tmp-');
    const image = await jpeg(1600, 1200);
    const env = {
      FILTERLAB_QUEUE: 'sqlite',
      FILTERLAB_STORAGE: 'local',
      FILTERLAB_RETENTION_HOURS: String(RETENTION_HOURS),
      FILTERLAB_RATE_LIMIT_PER_MINUTE: '100000',
      FILTERLAB_LOG_LEVEL: 'warn',
    };
    const first = await processes.serve(['--data', dataDir, '--no-workers'], env);
    let accepted = 0;
    let killed = false;
    const clients = Array.from({ length: 6 }, async () => {
      while (!killed) {
        const res = await createJob(first.url, { image, filter: 'vivid' }).catch(() => undefined);
        if (res?.status === 202) accepted++;
      }
    });
    await waitFor(async () => (accepted >= 12 ? true : undefined), {
      timeoutMs: 40_000,
      what: '12 accepted uploads',
    });
    first.child.kill('SIGKILL');
    await first.exited;
    killed = true;
    await Promise.all(clients);

    const afterKill = await blobFiles(dataDir);
    const leftByKill = afterKill.filter((f) => f.includes('.tmp')).length;
    expect(await openToOthers(path.join(dataDir, 'blobs'))).toEqual([]);
    const db = await stat(path.join(dataDir, 'queue.db'));
    expect((db.mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(dataDir)).mode & 0o777).toString(8)).toBe('700');

    // whether or not this kill landed inside a write, plant what one leaves behind there
    const inputs = path.join(dataDir, 'blobs', 'inputs');
    const planted = [`${newJobId()}.4242.tmp`, `${newJobId()}.4242.tmp.type`, `${newJobId()}.type`];
    for (const name of planted) await writeFile(path.join(inputs, name), image);

    server = await startTestServer(
      {
        name: 'embedded',
        config: () => ({ queue: 'sqlite', storage: 'local' }),
        available: async () => true,
      },
      { dataDir, workers: 0, retentionMs: RETENTION_MS },
    );
    const old = new Date(Date.now() - 2 * RETENTION_MS);
    for (const name of planted) await utimes(path.join(inputs, name), old, old);
    // past the retention of every upload, two sweeps (an unowned blob is deleted on its second)
    await new Promise((r) => setTimeout(r, RETENTION_MS + 500));
    const first1 = await server.server.sweep();
    const second1 = await server.server.sweep();
    const left = await blobFiles(dataDir);
    await figure(
      annotate,
      `[sqlite, local] kill -9 during uploads: accepted ${accepted}, files after kill ${afterKill.length} ` +
        `(${leftByKill} temporaries) + ${planted.length} planted; swept: expired ${first1.expired + second1.expired}, ` +
        `orphans ${first1.orphans + second1.orphans}, temporaries ${first1.temporaries + second1.temporaries}; ` +
        `files left after retention ${left.length}`,
    );
    expect(first1.temporaries + second1.temporaries).toBeGreaterThanOrEqual(planted.length);
    expect(left).toEqual([]);
  }, 120_000);
});
