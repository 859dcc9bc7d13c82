/**
 * A lab run sharded over the server's queue and worker process (what `eval --queue` does)
 * scores the same numbers as a local run: the filter runs on the worker, its output comes back
 * as a lossless PNG, and the lab scores the same 8-bit pixels either way.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/main.js';
import { createContext, disposeContext, type Context } from '../../src/core/context.js';
import { loadExperiment, type LoadedExperiment } from '../../src/lab/experiment.js';
import type { RunResults } from '../../src/lab/run/results.js';
import { runExperiment } from '../../src/lab/run/runner.js';
import { openQueue, openStore } from '../../src/serve/backends.js';
import { QueueLabExecutor } from '../../src/serve/lab-executor.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { FACES_DEV } from '../support/paths.js';

const FOUR = ['B001231', 'B001239', 'B001253', 'C000984']; // F, M, F, M
const METRICS = ['identity', 'face_survival', 'ssim', 'psnr', 'skin_delta_e', 'skin_delta_l'];

describe('a sharded lab run', () => {
  let dir: string;
  let server: RunningServer;
  let ctx: Context;
  let loaded: LoadedExperiment & { file: string };
  let shardedResults: RunResults;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-lab-sharded-'));
    ctx = createContext();
    server = await startServer({
      port: 0,
      dataDir: path.join(dir, 'data'),
      workers: 1,
      logLevel: 'silent',
    });
    const file = path.join(dir, 'sharded.yaml');
    await writeFile(
      file,
      YAML.stringify({
        name: 'sharded',
        dataset: { path: FACES_DEV, match: `^(${FOUR.join('|')})\\.jpg$` },
        baseline: { filter: 'vivid' },
        // film-warm's grain is seeded: the worker must get the seed to match
        candidates: [{ filter: 'film-warm', grid: { strength: [0.6] } }],
        seeds: [7],
        metrics: [...METRICS, 'latency_ms', 'peak_rss_mb'],
        slices: ['gender'],
        gates: [{ metric: 'identity', per: 'gender', min: 0.8, minCount: 2 }],
        concurrency: 2,
      }),
    );
    loaded = { ...(await loadExperiment(file)), file };
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await disposeContext(ctx);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scores the same as a local run, and leaves the server working', async () => {
    const local = await runExperiment(loaded, { outDir: path.join(dir, 'local'), ctx });
    // its own connections to the server's queue and store: closing them leaves the server's open
    const executor = new QueueLabExecutor(
      await openQueue(server.config),
      await openStore(server.config),
      { timeoutMs: 120_000 },
    );
    // the server renders its filter thumbnails at start: let those finish first
    const idle = async () => {
      const c = await server.queue.counts();
      return c.queued + c.running === 0;
    };
    for (let t = Date.now(); !(await idle()) && Date.now() - t < 60_000;)
      await new Promise((r) => setTimeout(r, 100));
    const before = await server.queue.counts();
    const blobs = async () =>
      [...(await server.store.list('inputs')), ...(await server.store.list('results'))].sort();
    const blobsBefore = await blobs();
    const sharded = await runExperiment(loaded, {
      outDir: path.join(dir, 'sharded'),
      ctx,
      executor,
    });
    expect(sharded.reused).toBe(0);
    expect(sharded.results.verdict).toEqual(local.results.verdict);
    expect(sharded.results.verdict.decision).toBe('SHIP');

    for (const image of local.results.images) {
      const remote = sharded.results.images.find((i) => i.file === image.file)!;
      for (const [variant, row] of Object.entries(image.variants)) {
        const other = remote.variants[variant]!;
        expect(other.outcome).toBe('ok');
        for (const m of METRICS) {
          const a = row.metrics[m]!;
          const b = other.metrics[m]!;
          expect(Number.isFinite(a), `${image.file} ${variant} ${m}`).toBe(true);
          expect(Math.abs(a - b), `${image.file} ${variant} ${m}: ${a} vs ${b}`).toBeLessThan(1e-6);
        }
        // the worker's own timing of the filter; this process's memory says nothing about it
        expect(other.metrics.latency_ms).toBeGreaterThan(0);
        expect(row.metrics.peak_rss_mb).toBeGreaterThan(50);
        expect(other.metrics.peak_rss_mb).toBeUndefined();
      }
    }

    // every lab job and blob was cleaned up; the server still answers and queues
    const after = await server.queue.counts();
    expect(after).toEqual(before);
    expect(await blobs()).toEqual(blobsBefore);
    const health = await server.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    shardedResults = sharded.results;
  }, 240_000);

  it('`eval --data <server data>` shards through the CLI', async () => {
    const io = {
      stdout: [] as string[],
      stderr: [] as string[],
      out: (t: string) => io.stdout.push(t),
      err: (t: string) => io.stderr.push(t),
      exitCode: EXIT.OK as number,
    };
    const out = path.join(dir, 'cli');
    const code = await runCli(
      ['eval', loaded.file, '--out', out, '--data', server.config.dataDir, '--json'],
      io,
    );
    expect(io.stderr).toEqual([]);
    expect(code).toBe(EXIT.OK);
    const summary = JSON.parse(io.stdout.join('\n')) as { resultsPath: string; reused: number };
    expect(summary).toMatchObject({ verdict: 'SHIP', reused: 0 });
    const results = JSON.parse(
      await readFile(
        path.join(out, (summary as unknown as { runId: string }).runId, 'results.json'),
        'utf8',
      ),
    ) as RunResults;
    for (const image of results.images)
      for (const [variant, row] of Object.entries(image.variants)) {
        // not measured: the filter ran on a worker (a local run records this process's peak)
        expect(row.metrics.peak_rss_mb).toBeUndefined();
        expect(row.metrics.ssim).toBe(
          shardedResults.images.find((i) => i.file === image.file)!.variants[variant]!.metrics.ssim,
        );
      }
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  }, 180_000); // longer than any one wait inside (a job's 120 s limit)
});
