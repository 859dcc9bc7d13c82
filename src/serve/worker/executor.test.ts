import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createContext } from '../../core/context.js';
import { CORE_STEPS } from '../../core/filters/builtin-steps.js';
import { compile, type Runner } from '../../core/filters/compile.js';
import { validateSpec } from '../../core/filters/load.js';
import { StepRegistry } from '../../core/steps/registry.js';
import { defineStep } from '../../core/steps/step.js';
import { testJob } from '../../../test/support/jobs.js';
import { SqliteQueue } from '../queue/sqlite-queue.js';
import { inputKey } from '../storage/blob-store.js';
import { LocalBlobStore } from '../storage/local-store.js';
import { JobExecutor, type ExecutorOptions, type RunnerSource } from './executor.js';

/** What the test does as a load ends (another process's work, done while this one was blocked). */
let afterLoad: (() => Promise<void>) | undefined;

/**
 * A step that stands for a model: loading it blocks the thread for `loadMs`, as ONNX Runtime's
 * synchronous session creation does; running it takes `ms` and stops when the run is aborted.
 */
const nap = defineStep({
  type: 'test.nap',
  summary: 'sleeps: loadMs when loaded, ms when run',
  options: z.strictObject({ ms: z.number().int().min(0), loadMs: z.number().int().min(0) }),
  produces: 'image',
  async prepare(options) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, options.loadMs);
    await afterLoad?.();
    return {
      run: async ({ input, options: o, run }) => {
        await sleep(o.ms, undefined, run.signal ? { signal: run.signal } : {});
        return { kind: 'image', image: input };
      },
    };
  },
});
const steps = new StepRegistry([...CORE_STEPS, nap]);

/** Filters compiled on first use and kept, as the worker's RunnerCache does. */
function filters(specs: Record<string, { loadMs: number; timeoutMs?: number }>): RunnerSource {
  const ctx = createContext();
  const loaded = new Map<string, Promise<Runner>>();
  return {
    get(id) {
      const { loadMs, timeoutMs } = specs[id]!;
      const spec = validateSpec({
        id,
        version: 1,
        params: { ms: { type: 'integer', default: 0, min: 0 } },
        steps: [{ type: 'test.nap', ms: '$ms', loadMs }],
        ...(timeoutMs ? { timeoutMs } : {}),
      });
      if (!loaded.has(id)) loaded.set(id, compile(spec, ctx, { steps }));
      return loaded.get(id)!;
    },
  };
}

describe('JobExecutor timeouts', () => {
  let dir: string;
  let queue: SqliteQueue;
  let store: LocalBlobStore;
  let photo: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fl-executor-'));
    queue = new SqliteQueue(path.join(dir, 'queue.db'), { maxDepth: 10 });
    store = new LocalBlobStore(path.join(dir, 'blobs'));
    photo = await sharp({
      create: { width: 16, height: 12, channels: 3, background: '#886644' },
    })
      .jpeg()
      .toBuffer();
  });
  afterEach(async () => {
    afterLoad = undefined;
    await queue.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Queue one job, run it to its end, and say what the executor reported on the way. */
  async function runJob(
    source: RunnerSource,
    filter: string,
    ms: number,
    options: Partial<ExecutorOptions> = {},
  ) {
    const id = `job-${filter}`;
    await store.put(inputKey(id), photo, 'image/jpeg');
    await queue.enqueue(testJob(id, { owner: 'alice', filter, params: { ms }, maxAttempts: 1 }));
    const events: { event: string; at: number; timeoutMs?: number }[] = [];
    const executor = new JobExecutor(queue, store, source, pino({ level: 'silent' }), {
      workerId: 'w-test',
      leaseMs: 30_000,
      jobTimeoutMs: 120_000,
      maxPixels: 1_000_000,
      onClaim: () => events.push({ event: 'claimed', at: performance.now() }),
      onStart: (_, timeoutMs) =>
        events.push({ event: 'started', at: performance.now(), timeoutMs }),
      onDone: (_, outcome) => events.push({ event: outcome, at: performance.now() }),
      ...options,
    });
    expect(await executor.runOnce()).toBe(true);
    return { record: (await queue.get(id))!, events };
  }

  it('does not count loading the filter against the job timeout', async () => {
    const source = filters({ 'slow-load': { loadMs: 1500 } });
    const { record, events } = await runJob(source, 'slow-load', 100, { jobTimeoutMs: 1000 });
    expect(record.status).toBe('succeeded');
    const [claimed, started, done] = events;
    expect(events.map((e) => e.event)).toEqual(['claimed', 'started', 'succeeded']);
    // the timeout was started once the filter was loaded, and the load took longer than it
    expect(started!.at - claimed!.at).toBeGreaterThanOrEqual(1400);
    expect(started!.timeoutMs).toBe(1000);
    expect(done!.at - started!.at).toBeLessThan(1000);
  });

  it('keeps the lease of a job whose filter blocks the thread while it loads', async () => {
    // the server's lease sweep runs elsewhere while this worker is blocked: here, at the load's end
    afterLoad = async () => void (await queue.recoverExpiredLeases());
    const source = filters({ 'blocking-load': { loadMs: 1200 } });
    const { record } = await runJob(source, 'blocking-load', 0, {
      leaseMs: 300,
      loadLeaseMs: 60_000,
    });
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it("fails a job past its filter's own shorter timeout with FL_ERR_TIMEOUT", async () => {
    const source = filters({ short: { loadMs: 0, timeoutMs: 1000 } });
    const { record, events } = await runJob(source, 'short', 5000, { jobTimeoutMs: 60_000 });
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('FL_ERR_TIMEOUT');
    expect(record.error?.message).toMatch(/within 1000 ms \(filter short's timeoutMs/);
    const [, started, failed] = events;
    expect(started!.timeoutMs).toBe(1000);
    const ms = failed!.at - started!.at;
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(4000);
  });

  it("lets a job run past the server's timeout when its filter allows longer", async () => {
    const source = filters({ long: { loadMs: 0, timeoutMs: 10_000 } });
    const { record, events } = await runJob(source, 'long', 1500, { jobTimeoutMs: 1000 });
    expect(record.status).toBe('succeeded');
    expect(events[1]!.timeoutMs).toBe(10_000);
  });

  it('names the server timeout when the filter sets none', async () => {
    const source = filters({ plain: { loadMs: 0 } });
    const { record } = await runJob(source, 'plain', 5000, { jobTimeoutMs: 1000 });
    expect(record.error?.code).toBe('FL_ERR_TIMEOUT');
    expect(record.error?.message).toMatch(/within 1000 ms \(the job timeout/);
  });
});
